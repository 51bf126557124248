/// A request refused before anything is sent.
///
/// The cause is an invalid `fazt.ai` option, a feature the chosen provider lacks, or a response that
/// cannot be read. The message names the field and how to fix it.
public struct AIRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words an app developer can act on.
    public var message: String

    /// Creates an error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
