import FaztStorage
import NIOHTTP1

/// The two eras of MCP that `/_fazt/mcp` serves from one request-scoped dispatcher, without sessions.
///
/// The legacy era (2025-03-26, 2025-06-18, 2025-11-25) starts with `initialize`; the modern era
/// (2026-07-28) is stateless: every request carries its version and capabilities in `_meta` and
/// mirrors method and name in headers.
enum MCPEra: Equatable, Sendable {
    case legacy(version: String)
    case modern(version: String)

    static let legacyVersions = ["2025-03-26", "2025-06-18", "2025-11-25"]
    static let modernVersions = ["2026-07-28"]
    /// Every version, oldest first (what `server/discover` and `-32022` list).
    static let allVersions = legacyVersions + modernVersions
    /// What a legacy request without `MCP-Protocol-Version` is taken to speak.
    static let defaultLegacyVersion = "2025-03-26"

    static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"

    var isModern: Bool {
        if case .modern = self { return true }
        return false
    }
}

/// A JSON-RPC error, with the HTTP status it travels under.
struct MCPError: Error, Sendable {
    var code: Int
    var message: String
    var data: JSONValue?
    var status: HTTPResponseStatus

    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let internalError = -32603
    static let headerMismatch = -32020
    static let unsupportedVersion = -32022

    init(_ code: Int, _ message: String, data: JSONValue? = nil, status: HTTPResponseStatus? = nil) {
        self.code = code
        self.message = message
        self.data = data
        self.status = status ?? .ok
    }

    /// The status in `era`: the modern era maps codes to statuses (400, 404); the legacy era
    /// answers 400 only for messages it could not read.
    func status(in era: MCPEra?) -> HTTPResponseStatus {
        if status != .ok { return status }
        switch code {
        case Self.parseError, Self.invalidRequest: return .badRequest
        case Self.headerMismatch, Self.unsupportedVersion: return .badRequest
        case Self.methodNotFound: return era?.isModern == true ? .notFound : .ok
        case Self.invalidParams: return era?.isModern == true ? .badRequest : .ok
        default: return .ok
        }
    }

    static func unsupported(_ requested: JSONValue?, versions: [String]) -> MCPError {
        var data: [(String, JSONValue)] = [("supported", .array(versions.map { .string($0) }))]
        if let requested { data.append(("requested", requested)) }
        return MCPError(
            unsupportedVersion,
            "Unsupported protocol version: this server speaks \(versions.joined(separator: ", "))",
            data: .object(data),
            status: .badRequest
        )
    }
}

/// One JSON-RPC message body, as read from a POST.
struct MCPMessage: Sendable {
    /// nil for notifications (and responses a client sent us).
    var id: JSONValue?
    var method: String?
    var params: JSONValue?
    /// True for a client's response to a server request (we never send any: acknowledged, ignored).
    var isResponse: Bool

    init(_ value: JSONValue) throws(MCPError) {
        guard case .object = value else {
            if case .array = value {
                throw MCPError(MCPError.invalidRequest, "JSON-RPC batches are not supported: send one message per POST")
            }
            throw MCPError(MCPError.invalidRequest, "the body must be a JSON-RPC 2.0 object")
        }
        guard value["jsonrpc"]?.stringValue == "2.0" else {
            throw MCPError(MCPError.invalidRequest, #"the message needs "jsonrpc": "2.0""#)
        }
        id = value["id"]
        if let id {
            switch id {
            case .string, .number: break
            default: throw MCPError(MCPError.invalidRequest, "id must be a string or a number")
            }
        }
        isResponse = value["method"] == nil && (value["result"] != nil || value["error"] != nil)
        if !isResponse {
            guard let method = value["method"]?.stringValue, !method.isEmpty else {
                throw MCPError(MCPError.invalidRequest, #"the message needs a "method" string"#)
            }
            self.method = method
        }
        params = value["params"]
        if let params {
            guard case .object = params else {
                throw MCPError(MCPError.invalidParams, "params must be an object")
            }
        }
    }

    var isNotification: Bool { id == nil }

    /// The `_meta` object of the params, if any.
    var meta: JSONValue? { params?["_meta"] }
}

extension JSONValue {
    /// `[(key, value)]` members of an object (empty for anything else).
    var members: [(String, JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A whole number (nil for fractions and non-numbers).
    var intValue: Int? {
        guard let number = numberValue, number.rounded() == number, abs(number) < 1e15 else { return nil }
        return Int(number)
    }
}
