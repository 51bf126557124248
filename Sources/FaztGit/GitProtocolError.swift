/// A malformed or refused git protocol message or pack; `message` says what was wrong and, where it helps, the fix.
public struct GitProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
