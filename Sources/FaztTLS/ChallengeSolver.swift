import Synchronization

/// Publishes and withdraws ACME challenge answers.
protocol ChallengeSolver: Sendable {
    /// The challenge type it answers (`http-01`, `dns-01`).
    var type: String { get }
    /// Makes `keyAuthorization` visible for `token` of identifier `name`.
    func present(name: String, token: String, keyAuthorization: String) throws
    /// Withdraws it again.
    func cleanUp(name: String, token: String, keyAuthorization: String)
}

/// HTTP-01 answers served on the plain-HTTP port at `/.well-known/acme-challenge/<token>`.
public final class ChallengeTokens: ChallengeSolver, Sendable {
    public static let pathPrefix = "/.well-known/acme-challenge/"
    private let answers = Mutex([String: String]())

    public init() {}

    var type: String { "http-01" }

    func present(name: String, token: String, keyAuthorization: String) throws {
        answers.withLock { $0[token] = keyAuthorization }
    }

    func cleanUp(name: String, token: String, keyAuthorization: String) {
        _ = answers.withLock { $0.removeValue(forKey: token) }
    }

    /// The key authorization for the request path `path`, when it is a challenge being answered.
    public func answer(path: String) -> String? {
        guard path.hasPrefix(Self.pathPrefix) else { return nil }
        let token = String(path.dropFirst(Self.pathPrefix.count))
        return answers.withLock { $0[token] }
    }
}
