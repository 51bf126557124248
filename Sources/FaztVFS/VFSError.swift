/// An error from the VFS: invalid input (names, archives, limits) or a missing app/version.
public struct VFSError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for mapping to a status code and a stable error code string.
    public enum Code: String, Sendable {
        case invalidName = "invalid_name"
        case reservedName = "reserved_name"
        case badArchive = "bad_archive"
        /// A draft file path that breaks the archive entry rules (`..`, absolute, too long, …).
        case invalidPath = "invalid_path"
        case tooLarge = "too_large"
        case notFound = "not_found"
        case versionNotFound = "version_not_found"
        case badManifest = "bad_manifest"
        case syntaxError = "syntax_error"
        /// An `api/` file whose exports are not a handler (`exports.get`, an ES module, …).
        case badHandler = "bad_handler"
        case conflict = "conflict"
        case storage = "storage_error"
    }

    /// The failure kind.
    public let code: Code
    /// An actionable message (names the archive entry when one is at fault).
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
