/// An error of automatic HTTPS: certificates, keys and the ACME conversation.
///
/// The message says what failed and, where the owner can act, how to fix it; it never holds key
/// material.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is.
    public enum Kind: Sendable, Equatable {
        /// A key or certificate could not be made, read or used.
        case crypto
        /// The ACME server refused a request or answered something unexpected.
        case acme
        /// The name may not get a certificate (no such app, rate limit, backoff).
        case refused
        /// A file given on the command line is missing or holds no usable certificate or key.
        case configuration
    }

    public let kind: Kind
    public let message: String
    /// The ACME problem type (`urn:ietf:params:acme:error:badNonce`, …), when the server sent one.
    public let problemType: String?

    init(_ kind: Kind, _ message: String, problemType: String? = nil) {
        self.kind = kind
        self.message = message
        self.problemType = problemType
    }

    public var description: String { message }
}
