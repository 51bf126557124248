import FaztAPI
import FaztKernel
import NIOHTTP1

/// `/ai/providers`, `/ai/models`, `/ai/default`, `/ai/budgets/{app}`, `/ai/usage` and
/// `/apps/{name}/ai/usage`: the owner's language-model registry, per-app budgets and usage.
extension ControlAPI {
    func aiRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        if segments.count == 4, segments[0] == "apps", segments[2] == "ai", segments[3] == "usage" {
            guard request.method == .GET else { throw APIError.methodNotAllowed(request.method) }
            let app = try await appName(segments[1])
            return try await usage(request, app: app)
        }
        guard segments.first == "ai", segments.count >= 2 else { return nil }
        let registry = AIRegistry(sharingKeyOf: services.secrets)
        switch (request.method, segments[1], segments.count) {
        case (.GET, "latency", 2), (.DELETE, "latency", 2):
            let ai = services.ai
            if request.method == .DELETE {
                ai.tokenLatency.reset()
                ai.requestLatency.reset()
                ai.tokenToWrite.reset()
            }
            let perToken = ai.tokenLatency.json
            let toWrite = ai.tokenToWrite.json
            let toRequest = ai.requestLatency.json
            return Self.rawJSON(#"{"perToken":\#(perToken),"perTokenToWrite":\#(toWrite),"toRequest":\#(toRequest)}"#)
        case (.GET, "providers", 2):
            return .json(AIProviderList(providers: try await blocking { try registry.providers() }))
        case (.POST, "providers", 2):
            let body = try request.decodeJSON(AIProviderAddBody.self)
            let stored = try await blocking {
                try registry.addProvider(name: body.name, type: body.type, baseURL: body.baseURL, key: body.key)
            }
            return .json(stored, status: .created)
        case (.DELETE, "providers", 3):
            let name = segments[2]
            guard try await blocking({ try registry.removeProvider(name) }) else {
                throw APIError.notFound("no provider named \(name) (see 'fazt ai provider list')")
            }
            return .json(["deleted": name])
        case (.POST, "providers", 4) where segments[3] == "test":
            let name = segments[2]
            guard let credentials = try await blocking({ try registry.credentials(provider: name) }) else {
                throw APIError.notFound("no provider named \(name) (see 'fazt ai provider list')")
            }
            return .json(try await blocking { AIProviderProbe.run(credentials) })
        case (.GET, "models", 2):
            return .json(AIModelList(models: try await blocking { try registry.models() }))
        case (.POST, "models", 2):
            let body = try request.decodeJSON(AIModelBody.self)
            return .json(try await blocking { try registry.addModel(body) }, status: .created)
        case (.DELETE, "models", 3):
            let alias = segments[2]
            guard try await blocking({ try registry.removeModel(alias) }) else {
                throw APIError.notFound("no model alias \(alias) (see 'fazt ai model list')")
            }
            return .json(["deleted": alias])
        case (.PUT, "default", 2):
            let alias = try request.decodeJSON(AIDefaultBody.self).alias
            guard try await blocking({ try registry.setDefault(alias) }) else {
                throw APIError.notFound("no model alias \(alias) (see 'fazt ai model list')")
            }
            return .json(AIModelList(models: try await blocking { try registry.models() }))
        case (.GET, "budgets", 3), (.PUT, "budgets", 3):
            let app = try await appName(segments[2])
            let budget = AIBudget(store: services.store)
            if request.method == .PUT {
                let changes = try request.decodeJSON(AIBudgetLimits.self)
                _ = try await blocking { try budget.update(app: app, changes) }
            }
            let store = services.store
            return .json(
                try await blocking {
                    AIBudgetBody(
                        app: app,
                        limits: try budget.limits(app: app),
                        usage: try budget.usage(app: app),
                        permitted: try AIAccess.isPermitted(store, app: app)
                    )
                }
            )
        case (.GET, "usage", 2):
            return try await usage(request, app: nil)
        case (_, "providers", _), (_, "models", _), (_, "default", 2), (_, "budgets", 3), (_, "usage", 2):
            throw APIError.methodNotAllowed(request.method)
        default:
            return nil
        }
    }

    /// Usage totals per day and model; `?days=` (1-366, default 30).
    private func usage(_ request: APIRequest, app: String?) async throws -> Response {
        var days = 30
        if let text = request.query["days"] {
            guard let value = Int(text), (1...366).contains(value) else {
                throw APIError.badRequest("days must be a whole number from 1 to 366 (got '\(text)')")
            }
            days = value
        }
        let budget = AIBudget(store: services.store)
        let window = days
        let rows = try await blocking { try budget.usageByDay(app: app, days: window) }
        return .json(AIUsageList(app: app, days: days, usage: rows))
    }

    /// The canonical name of an existing app; 404 otherwise.
    private func appName(_ name: String) async throws -> String {
        try await blocking { [vfs = services.vfs] in try vfs.info(app: name).name }
    }
}
