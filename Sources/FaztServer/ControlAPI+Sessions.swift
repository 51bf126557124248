import FaztAPI
import FaztKernel

/// `/sessions` (the owner's browser sessions: list, sign out one or all), `/passkeys` (list,
/// remove) and `/owner/password` (the dashboard password: set or remove).
extension ControlAPI {
    struct SessionList: Encodable {
        var sessions: [OwnerSessions.Listed]
    }

    struct PasskeyList: Encodable {
        struct Entry: Encodable {
            var id: String
            var name: String
            var createdAt: Int64
        }
        var passkeys: [Entry]
    }

    struct PasswordBody: Decodable {
        var password: String
    }

    func sessionsRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        let sessions = services.ownerSessions
        switch (request.method, segments.first, segments.count) {
        case (.GET, "sessions", 1):
            let current = request.session.map(OwnerSessions.listedID(of:))
            var listed = try await blocking { try sessions.list() }
            for index in listed.indices where listed[index].id == current { listed[index].current = true }
            return .json(SessionList(sessions: listed))
        case (.DELETE, "sessions", 1):
            let count = try await blocking { try sessions.revokeAll() }
            services.ownerAccess.removeAll()
            return .json(["revoked": count])
        case (.DELETE, "sessions", 2):
            let id = segments[1]
            guard try await blocking({ try sessions.revoke(listedID: id) }) else {
                throw APIError.notFound("no session \(id) (see GET /sessions)")
            }
            services.ownerAccess.removeAll()
            return .json(["revoked": 1])
        case (.PUT, "owner", 2) where segments[1] == "password":
            let body = try request.decodeJSON(PasswordBody.self)
            let password = OwnerPassword(store: services.store)
            try await blocking { try password.set(body.password) }
            return .json(["passwordSet": true])
        case (.DELETE, "owner", 2) where segments[1] == "password":
            let password = OwnerPassword(store: services.store)
            try await blocking { try password.clear() }
            return .json(["passwordSet": false])
        case (.GET, "passkeys", 1):
            let passkeys = OwnerPasskeys(store: services.store)
            let listed = try await blocking { try passkeys.list() }
            return .json(PasskeyList(passkeys: listed.map { .init(id: $0.id, name: $0.name, createdAt: $0.createdAt) }))
        case (.DELETE, "passkeys", 2):
            let passkeys = OwnerPasskeys(store: services.store)
            let id = segments[1]
            guard try await blocking({ try passkeys.remove(id: id) }) else {
                throw APIError.notFound("no passkey \(id) (see GET /passkeys)")
            }
            return .json(["removed": id])
        default:
            return nil
        }
    }
}
