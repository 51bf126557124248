/// An error from a domain store: a value the owner gave was refused, or a secret could not be
/// sealed, opened or delivered.
public struct KernelError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for mapping to a status code (in `FaztServer/ErrorMapping`).
    public enum Code: String, Sendable {
        /// A name or value the owner gave is malformed (400).
        case invalidArgument = "bad_request"
        /// A value is over its size limit (413).
        case tooLarge = "too_large"
        /// The secret key is missing or wrong, or a stored secret is damaged (500, details logged
        /// only: the message may name the key file).
        case secret = "secret"
        /// A notification could not be delivered to its channel (recorded in the run history).
        case delivery = "delivery"
    }

    /// The failure kind.
    public let code: Code
    /// An actionable message.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
