/// A backup or restore that could not be done, with what to do about it.
public struct BackupError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The request names something malformed (a target, a file name, a flag).
        case invalidArgument
        /// The backup file or object does not exist.
        case notFound
        /// A live server holds the database, or another backup is running.
        case busy
        /// The copy failed its integrity check or its checksum.
        case corrupt
        /// Reading or writing a file failed.
        case io
        /// The S3-compatible store refused or could not be reached.
        case remote
    }

    /// The failure kind.
    public var code: Code
    /// A sentence naming the problem and its fix.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
