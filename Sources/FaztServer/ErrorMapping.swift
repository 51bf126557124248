import FaztBackup
import FaztKernel
import FaztRuntime
import FaztStorage
import FaztStore
import FaztVFS
import NIOHTTP1

/// The one place where errors become HTTP statuses and error codes.
enum ErrorMapping {
    static func response(for error: Error) -> Response {
        switch error {
        case let error as APIError:
            var response = Response.error(error.status, code: error.code, message: error.message)
            for (name, value) in error.headers { response.headers.add(name: name, value: value) }
            return response
        case let error as BackupError:
            switch error.code {
            case .invalidArgument: return .error(.badRequest, code: "bad_request", message: error.message)
            case .notFound: return .error(.notFound, code: "not_found", message: error.message)
            case .busy: return .error(.conflict, code: "busy", message: error.message)
            case .remote: return .error(.badGateway, code: "backup_remote", message: error.message)
            // Owner-only routes: the message (a path on the server, an integrity result) is the fix.
            case .corrupt, .io: return .error(.internalServerError, code: "backup_failed", message: error.message)
            }
        case let error as KernelError:
            switch error.code {
            case .invalidArgument: return .error(.badRequest, code: error.code.rawValue, message: error.message)
            case .tooLarge: return .error(.payloadTooLarge, code: error.code.rawValue, message: error.message)
            // Key and delivery failures may name files or hosts: details stay in the logs.
            case .secret, .delivery: return .error(.internalServerError, code: "internal", message: "internal error")
            }
        case let error as VFSError:
            return .error(status(for: error.code), code: error.code.rawValue, message: error.message)
        case let error as StorageError:
            // App storage read for the owner (`/sql`, `/kv`): the message is the SQL or storage
            // error itself, which names the fix.
            switch error.code {
            case .busy: return .error(.serviceUnavailable, code: "busy", message: error.message)
            case .internalError: return .error(.internalServerError, code: "internal", message: "internal error")
            case .notFound: return .error(.notFound, code: "not_found", message: error.message)
            default: return .error(.badRequest, code: "bad_request", message: error.message)
            }
        case let error as StoreError where error.code.sqliteCode == 5 || error.code.sqliteCode == 6:
            return .error(.serviceUnavailable, code: "busy", message: "the database is busy; try again")
        default:
            return .error(.internalServerError, code: "internal", message: "internal error")
        }
    }

    /// The status of an `/api` invocation that produced no response: 503 for the server's own
    /// limits (busy, timeout, memory, unavailable), else 500.
    static func status(for kind: InvocationFailure.Kind) -> HTTPResponseStatus {
        kind.isServerLimit ? .serviceUnavailable : .internalServerError
    }

    static func status(for code: VFSError.Code) -> HTTPResponseStatus {
        switch code {
        case .invalidName, .reservedName, .badArchive, .invalidPath, .badManifest, .syntaxError, .badHandler:
            return .badRequest
        case .tooLarge: return .payloadTooLarge
        case .notFound, .versionNotFound: return .notFound
        case .conflict: return .conflict
        case .storage: return .internalServerError
        }
    }
}

/// An error raised by the HTTP layer itself (auth, bad JSON, unknown route).
struct APIError: Error, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String
    /// Extra response headers (`WWW-Authenticate` on 401 and 403).
    var headers: [(String, String)] = []

    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }
    static let unauthorized = APIError(
        status: .unauthorized,
        code: "unauthorized",
        message: "missing, invalid, expired or revoked token; send 'Authorization: Bearer <token>' "
            + "(create one with 'fazt token create')",
        headers: [("WWW-Authenticate", "Bearer")]
    )
    /// 403 for a valid token without the scope a route needs (RFC 6750 `insufficient_scope`).
    static func insufficientScope(_ scope: String, _ message: String) -> APIError {
        APIError(
            status: .forbidden,
            code: "insufficient_scope",
            message: message,
            headers: [("WWW-Authenticate", #"Bearer error="insufficient_scope", scope="\#(scope)""#)]
        )
    }
    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }
    static func methodNotAllowed(_ method: HTTPMethod) -> APIError {
        APIError(status: .methodNotAllowed, code: "method_not_allowed", message: "\(method) is not allowed here")
    }
}
