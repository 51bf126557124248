/// Why talking to an external git remote failed; every message says what to do next.
///
/// Messages never contain credentials: URLs are checked to carry none, and tokens are only ever
/// placed in an `Authorization` header.
public enum GitRemoteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The URL or an option is unusable; the caller should fix its request (HTTP 400).
    case invalidRequest(String)
    /// The remote refused the credentials (after at most `GitRemote.maxAttempts` tries).
    case authenticationFailed(String)
    /// The remote could not be reached, or answered with an HTTP error.
    case transport(String)
    /// The remote spoke something other than git's smart HTTP protocol, or broke it.
    case protocolError(String)
    /// The remote sent a pack that is malformed, too large or incomplete.
    case badPack(String)
    /// The remote reported a fatal error (`ERR` line or side-band channel 3).
    case remote(String)

    public var description: String {
        switch self {
        case .invalidRequest(let message), .authenticationFailed(let message), .transport(let message),
            .remote(let message):
            message
        case .protocolError(let message): "git protocol error: \(message)"
        case .badPack(let message): "bad pack from the remote: \(message)"
        }
    }
}
