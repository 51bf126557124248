import FaztAPI
import FaztKernel
import Foundation

/// `POST /tokens`: owner tokens, or scoped ones (`apps`, `scopes`/`preset`, `expiresIn`).
extension ControlAPI {
    func createToken(_ request: APIRequest) async throws -> Response {
        let body = request.body.readableBytes > 0 ? try request.decodeJSON(TokenRequest.self) : TokenRequest(name: nil)
        let grant = try Self.grant(body, now: WallClock.nowMilliseconds())
        let tokens = services.tokens
        let name = body.name ?? (grant == nil ? "api" : "agent")
        let created = try await blocking { try tokens.create(name: name, grant: grant) }
        return .json(
            CreatedToken(
                id: created.info.id,
                name: created.info.name,
                token: created.token,
                apps: created.info.apps,
                scopes: created.info.scopes,
                expiresAt: created.info.expiresAt
            ),
            status: .created
        )
    }

    /// The grant a request asks for, or nil for an owner token (no scopes, no preset, no apps).
    static func grant(_ body: TokenRequest, now: Int64) throws -> TokenGrant? {
        guard body.scopes != nil || body.preset != nil || body.apps != nil || body.expiresIn != nil else { return nil }
        var scopes = try TokenScope.parseList((body.scopes ?? []).joined(separator: ","))
        if let presetName = body.preset {
            guard let preset = TokenScope.Preset(rawValue: presetName) else {
                throw APIError.badRequest(
                    "unknown preset '\(presetName)'; presets: \(TokenScope.Preset.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            for scope in preset.scopes where !scopes.contains(scope) { scopes.append(scope) }
        }
        return try TokenGrant(
            apps: body.apps ?? [],
            scopes: scopes,
            lifetimeMs: body.expiresIn.map { Int64($0) * 1000 },
            now: now
        )
    }
}
