import FaztAPI
import FaztKernel
import NIOHTTP1

/// `/apps/{name}/secrets[/{secret}]` and `/secrets[/{secret}]` (global secrets), owner-only.
extension ControlAPI {
    func secretsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        let scoped: (scope: String?, rest: ArraySlice<String>)
        if segments.first == "secrets", segments.count <= 2 {
            scoped = (AppSecrets.globalScope, segments.dropFirst())
        } else if segments.count >= 3, segments.count <= 4, segments[0] == "apps", segments[2] == "secrets" {
            scoped = (nil, segments.dropFirst(3))
        } else {
            return nil
        }
        let vfs = services.vfs
        let secrets = services.secrets
        let scope: String
        if let global = scoped.scope {
            scope = global
        } else {
            scope = try await blocking { try vfs.info(app: segments[1]).name }
        }
        let label = scope == AppSecrets.globalScope ? "global secrets" : scope
        switch (request.method, scoped.rest.first) {
        case (.GET, nil):
            return .json(SecretList(app: scope, secrets: try await blocking { try secrets.list(app: scope) }))
        case (.PUT, let raw?):
            let key = try AppSecrets.validate(name: raw)
            let body = try request.decodeJSON(SecretValue.self)
            try await blocking {
                try secrets.set(
                    app: scope,
                    name: key,
                    value: body.value,
                    hosts: body.hosts,
                    readable: body.readable ?? false
                )
            }
            let hosts = body.hosts?.isEmpty == false ? body.hosts : nil
            return .json(SecretSetAnswer(app: scope, secret: key, hosts: hosts, readable: body.readable ?? false))
        case (.DELETE, let raw?):
            let key = try AppSecrets.validate(name: raw)
            guard try await blocking({ try secrets.unset(app: scope, name: key) }) else {
                throw APIError.notFound("secret '\(key)' is not set for \(label)")
            }
            return .json(["app": scope, "unset": key])
        default:
            throw APIError.methodNotAllowed(request.method)
        }
    }
}

/// The answer to `PUT …/secrets/{secret}`.
private struct SecretSetAnswer: Encodable {
    var app: String
    var secret: String
    var hosts: [String]?
    var readable: Bool
}
