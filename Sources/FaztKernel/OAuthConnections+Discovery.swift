import FaztJSON
import FaztNet

extension OAuthConnections {
    /// The endpoints an OpenID Connect issuer publishes in `/.well-known/openid-configuration`.
    public struct DiscoveredEndpoints: Sendable, Equatable {
        public var authorizeURL: String
        public var tokenURL: String
        public var revokeURL: String?
    }

    /// Reads `issuer`'s discovery document (OpenID Connect Discovery 1.0 §4).
    public func discover(issuer: String) async throws -> DiscoveredEndpoints {
        var base = issuer
        while base.hasSuffix("/") { base.removeLast() }
        let request = EgressRequest(
            url: base + "/.well-known/openid-configuration",
            method: "GET",
            headers: [("Accept", "application/json")],
            body: nil
        )
        let policy = self.policy
        let result = await withCheckedContinuation { continuation in
            EgressLoop.shared.submit(request, policy: policy) { continuation.resume(returning: $0) }
        }
        let response: EgressResponse
        switch result {
        case .failure(let error):
            throw KernelError(.invalidArgument, "cannot read \(request.url): \(error.message)")
        case .success(let answer):
            response = answer
        }
        guard (200..<300).contains(response.status), let document = try? JSONValue.decode(response.body),
            let authorize = document["authorization_endpoint"]?.stringValue,
            let token = document["token_endpoint"]?.stringValue
        else {
            throw KernelError(
                .invalidArgument,
                "\(request.url) answered \(response.status) without authorization_endpoint and token_endpoint; "
                    + "give --authorize-url and --token-url instead"
            )
        }
        return DiscoveredEndpoints(
            authorizeURL: authorize,
            tokenURL: token,
            revokeURL: document["revocation_endpoint"]?.stringValue
        )
    }
}
