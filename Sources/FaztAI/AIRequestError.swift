/// A request the provider layer refuses before anything is sent: an invalid `fazt.ai` option, or a
/// feature the chosen provider lacks. The message names the field and how to fix it.
public struct AIRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words an app developer can act on.
    public var message: String

    /// Creates an error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
