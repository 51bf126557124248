import FaztStore

/// An error a storage call throws to JavaScript as a `FaztError` with `code` and `message`.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// The stable code apps test against (`err.code`).
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let notFound = Code(rawValue: "NOT_FOUND")
        public static let tooLarge = Code(rawValue: "TOO_LARGE")
        public static let quotaExceeded = Code(rawValue: "QUOTA_EXCEEDED")
        public static let invalidQuery = Code(rawValue: "INVALID_QUERY")
        public static let invalidArgument = Code(rawValue: "INVALID_ARGUMENT")
        public static let sqlDenied = Code(rawValue: "SQL_DENIED")
        public static let sqlError = Code(rawValue: "SQL_ERROR")
        public static let constraint = Code(rawValue: "CONSTRAINT")
        public static let busy = Code(rawValue: "BUSY")
        public static let permissionDenied = Code(rawValue: "PERMISSION_DENIED")
        public static let rateLimited = Code(rawValue: "RATE_LIMITED")
        public static let transaction = Code(rawValue: "TRANSACTION")
        public static let internalError = Code(rawValue: "INTERNAL")
        /// A call that would act beyond a version preview's own storage (timers, events, notify).
        public static let preview = Code(rawValue: "PREVIEW")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Any failure as a storage error: itself, a store failure by its SQLite code (`prefix`, the
    /// app's SQL table prefix, is removed from SQLite's text), anything else as internal.
    public static func wrapping(_ error: any Error, prefix: String? = nil) -> StorageError {
        if let error = error as? StorageError { return error }
        guard let error = error as? StoreError else { return StorageError(.internalError, "\(error)") }
        var message = error.message
        if let prefix { message = message.replacingOccurrences(of: prefix, with: "") }
        switch error.code.sqliteCode {
        case 5, 6: return StorageError(.busy, "the database is busy; try again")
        case 19: return StorageError(.constraint, message)
        case 23: return StorageError(.sqlDenied, "not allowed: \(message)")
        case 13: return StorageError(.quotaExceeded, "the database is full")
        case 9: return StorageError(.sqlError, "the statement ran past its time limit and was interrupted")
        default: return StorageError(prefix == nil ? .internalError : .sqlError, message)
        }
    }
}
