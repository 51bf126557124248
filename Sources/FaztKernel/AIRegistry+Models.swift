import FaztAPI
import FaztStore

/// Model aliases: a name apps use for a provider's model, its prices and its fallback.
extension AIRegistry {
    /// Adds a model alias, or replaces the one of the same alias (blocking); returns what was stored.
    ///
    /// The provider must exist, a fallback must name another existing alias, and following
    /// fallbacks must never come back to this one.
    @discardableResult
    public func addModel(_ model: AIModelBody) throws -> AIModelBody {
        var model = model
        model.alias = try AINames.checked(model.alias, kind: "model alias")
        model.model = try AINames.modelID(model.model)
        model.inputPrice = try AINames.price(model.inputPrice, kind: "input")
        model.outputPrice = try AINames.price(model.outputPrice, kind: "output")
        model.cacheReadPrice = try AINames.price(model.cacheReadPrice, kind: "cache-read")
        model.cacheWritePrice = try AINames.price(model.cacheWritePrice, kind: "cache-write")
        if model.fallback?.isEmpty == true { model.fallback = nil }
        let stored = model
        let now = WallClock.nowMilliseconds()
        try store.writeBlocking { connection in
            guard
                try connection.queryOne(
                    "SELECT 1 FROM ai_providers WHERE name = ?",
                    [.text(stored.provider)],
                    { _ in 1 }
                )
                    != nil
            else {
                throw KernelError(
                    .invalidArgument,
                    "no provider named '\(stored.provider)': add it first with 'fazt ai provider add \(stored.provider) --type TYPE'"
                )
            }
            if let fallback = stored.fallback {
                let aliases = Set(try connection.query("SELECT alias FROM ai_models") { $0.string(0) })
                try Self.checkFallback(
                    alias: stored.alias,
                    fallback: fallback,
                    aliases: aliases,
                    edges: try Self.fallbacks(connection)
                )
            }
            if stored.isDefault { _ = try connection.run("UPDATE ai_models SET is_default = 0") }
            func price(_ value: Double?) -> SQLiteValue { value.map { .real($0) } ?? .null }
            _ = try connection.run(
                """
                INSERT INTO ai_models (alias, provider, model, input_price, output_price, cache_read_price,
                    cache_write_price, fallback, is_default, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (alias) DO UPDATE SET provider = excluded.provider, model = excluded.model,
                    input_price = excluded.input_price, output_price = excluded.output_price,
                    cache_read_price = excluded.cache_read_price, cache_write_price = excluded.cache_write_price,
                    fallback = excluded.fallback, is_default = excluded.is_default OR ai_models.is_default
                """,
                [
                    .text(stored.alias), .text(stored.provider), .text(stored.model), price(stored.inputPrice),
                    price(stored.outputPrice), price(stored.cacheReadPrice), price(stored.cacheWritePrice),
                    stored.fallback.map { .text($0) } ?? .null, .integer(stored.isDefault ? 1 : 0), .integer(now),
                ]
            )
        }
        guard let result = try self.model(stored.alias) else {
            throw KernelError(.invalidArgument, "model \(stored.alias) vanished")
        }
        return result
    }

    /// Every model alias, by alias.
    public func models() throws -> [AIModelBody] {
        try store.read { connection in
            try connection.query(
                """
                SELECT alias, provider, model, input_price, output_price, cache_read_price, cache_write_price,
                    fallback, is_default
                FROM ai_models ORDER BY alias
                """
            ) { row in
                func price(_ index: Int32) -> Double? { row.isNull(index) ? nil : row.double(index) }
                return AIModelBody(
                    alias: row.string(0),
                    provider: row.string(1),
                    model: row.string(2),
                    inputPrice: price(3),
                    outputPrice: price(4),
                    cacheReadPrice: price(5),
                    cacheWritePrice: price(6),
                    fallback: row.optionalString(7),
                    isDefault: row.int(8) != 0
                )
            }
        }
    }

    /// One alias, nil when there is none.
    public func model(_ alias: String) throws -> AIModelBody? {
        try models().first { $0.alias == alias }
    }

    /// The alias apps get when they name none, nil when the owner set no default.
    public func defaultModel() throws -> AIModelBody? {
        try models().first(where: \.isDefault)
    }

    /// Removes an alias (blocking); false when there was none.
    ///
    /// Refused while others fall back to it.
    public func removeModel(_ alias: String) throws -> Bool {
        try store.writeBlocking { connection in
            let users = try connection.query(
                "SELECT alias FROM ai_models WHERE fallback = ? AND alias <> ? ORDER BY alias",
                [.text(alias), .text(alias)]
            ) { $0.string(0) }
            guard users.isEmpty else {
                throw KernelError(
                    .invalidArgument,
                    "model \(alias) is the fallback of \(users.joined(separator: ", ")): "
                        + "give them another --fallback (fazt ai model add) or remove them first"
                )
            }
            return try connection.run("DELETE FROM ai_models WHERE alias = ?", [.text(alias)]) > 0
        }
    }

    /// Makes `alias` the default (blocking); false when there is no such alias.
    public func setDefault(_ alias: String) throws -> Bool {
        try store.writeBlocking { connection in
            guard try connection.queryOne("SELECT 1 FROM ai_models WHERE alias = ?", [.text(alias)], { _ in 1 }) != nil
            else { return false }
            _ = try connection.run("UPDATE ai_models SET is_default = (alias = ?)", [.text(alias)])
            return true
        }
    }

    /// Every alias → fallback edge.
    static func fallbacks(_ connection: Connection) throws -> [String: String] {
        var edges: [String: String] = [:]
        let rows = try connection.query("SELECT alias, fallback FROM ai_models WHERE fallback IS NOT NULL") {
            ($0.string(0), $0.string(1))
        }
        for (alias, fallback) in rows {
            edges[alias] = fallback
        }
        return edges
    }

    /// Refuses a fallback that names no alias in `aliases`, or whose chain through `edges`
    /// (alias → fallback) comes back to `alias`.
    static func checkFallback(alias: String, fallback: String, aliases: Set<String>, edges: [String: String]) throws {
        guard fallback != alias else {
            throw KernelError(.invalidArgument, "model \(alias) cannot fall back to itself: name another alias")
        }
        guard aliases.contains(fallback) else {
            throw KernelError(
                .invalidArgument,
                "no model alias '\(fallback)' to fall back to: add it first with 'fazt ai model add \(fallback) ...'"
            )
        }
        var edges = edges
        edges[alias] = fallback
        var chain = [alias]
        var current = fallback
        while true {
            chain.append(current)
            if current == alias {
                throw KernelError(
                    .invalidArgument,
                    "the fallback makes a cycle (\(chain.joined(separator: " → "))): pick a fallback that does not lead back to \(alias)"
                )
            }
            guard let next = edges[current], chain.count <= edges.count + 1 else { return }
            current = next
        }
    }
}
