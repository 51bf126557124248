import Foundation

/// The binary field encoding of `WorkerMessage` (tag, length, bytes per field).
enum FrameCodec {
    private enum Tag: UInt8 {
        case type = 1
        case id
        case protocolVersion
        case app
        case version
        case file
        case request
        case timeoutMs
        case failure
        case level
        case message
        case sources
        case problems
        case status
        /// One header field: a 4-byte big-endian name length, the name, then the value.
        case header
        case body
        case op
        case arg
        case session
        case code
        case storage
        case capture
        case output
    }

    static func encode(_ message: WorkerMessage) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (message.request?.utf8.count ?? 0) + (message.body?.count ?? 0))
        func put(_ tag: Tag, _ bytes: some Collection<UInt8>) {
            let count = bytes.count
            out.append(tag.rawValue)
            out.append(contentsOf: [
                UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF),
            ])
            out.append(contentsOf: bytes)
        }
        func put(_ tag: Tag, _ text: String?) { if let text { put(tag, text.utf8) } }
        func put(_ tag: Tag, _ number: (some BinaryInteger)?) { if let number { put(tag, String(number).utf8) } }
        func put(_ tag: Tag, json value: (some Encodable)?) throws {
            if let value { put(tag, try JSONEncoder().encode(value)) }
        }
        put(.type, message.type)
        put(.id, message.id)
        put(.protocolVersion, message.protocolVersion)
        put(.app, message.app)
        put(.version, message.version)
        put(.file, message.file)
        put(.request, message.request)
        put(.timeoutMs, message.timeoutMs)
        put(.level, message.level)
        put(.message, message.message)
        put(.status, message.status)
        for (name, value) in message.headers ?? [] {
            var field = bigEndian(name.utf8.count)
            field.append(contentsOf: name.utf8)
            field.append(contentsOf: value.utf8)
            put(.header, field)
        }
        if let body = message.body { put(.body, body) }
        put(.op, message.op)
        for arg in message.args ?? [] { put(.arg, arg.utf8) }
        put(.session, message.session)
        put(.code, message.code)
        if message.storage == true { put(.storage, "1") }
        if message.capture == true { put(.capture, "1") }
        put(.output, message.output)
        try put(.failure, json: message.failure)
        try put(.sources, json: message.sources)
        try put(.problems, json: message.problems)
        return out
    }

    static func decode(_ payload: [UInt8]) throws -> WorkerMessage {
        var message = WorkerMessage(type: "")
        var index = 0
        while index < payload.count {
            guard index + 5 <= payload.count else { throw malformed }
            let tag = payload[index]
            let length =
                Int(payload[index + 1]) << 24 | Int(payload[index + 2]) << 16 | Int(payload[index + 3]) << 8
                | Int(payload[index + 4])
            let start = index + 5
            guard length >= 0, start + length <= payload.count else { throw malformed }
            let bytes = payload[start..<start + length]
            index = start + length
            let text = { String(decoding: bytes, as: UTF8.self) }
            switch Tag(rawValue: tag) {
            case .type: message.type = text()
            case .id: message.id = UInt64(text())
            case .protocolVersion: message.protocolVersion = Int(text())
            case .app: message.app = text()
            case .version: message.version = Int(text())
            case .file: message.file = text()
            case .request: message.request = text()
            case .timeoutMs: message.timeoutMs = Int(text())
            case .level: message.level = text()
            case .message: message.message = text()
            case .status: message.status = Int(text())
            case .header:
                guard bytes.count >= 4 else { throw malformed }
                let base = bytes.startIndex
                let nameLength =
                    Int(bytes[base]) << 24 | Int(bytes[base + 1]) << 16 | Int(bytes[base + 2]) << 8
                    | Int(bytes[base + 3])
                guard nameLength <= bytes.count - 4 else { throw malformed }
                let name = String(decoding: bytes[(base + 4)..<(base + 4 + nameLength)], as: UTF8.self)
                let value = String(decoding: bytes[(base + 4 + nameLength)...], as: UTF8.self)
                message.headers = (message.headers ?? []) + [(name, value)]
            case .body: message.body = Array(bytes)
            case .op: message.op = text()
            case .arg:
                if message.args == nil { message.args = [] }
                message.args?.append(text())
            case .session: message.session = UInt64(text())
            case .code: message.code = text()
            case .storage: message.storage = true
            case .capture: message.capture = true
            case .output: message.output = text()
            case .failure: message.failure = try JSONDecoder().decode(InvocationFailure.self, from: Data(bytes))
            case .sources: message.sources = try JSONDecoder().decode([ScriptSource].self, from: Data(bytes))
            case .problems: message.problems = try JSONDecoder().decode([ScriptProblem].self, from: Data(bytes))
            case nil: throw malformed
            }
        }
        guard !message.type.isEmpty else { throw malformed }
        return message
    }

    private static func bigEndian(_ count: Int) -> [UInt8] {
        [UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    }

    private static let malformed = InvocationFailure(kind: .internal, message: "malformed frame")
}
