/// How a `Store` opens and uses its database file.
public struct StoreConfiguration: Sendable {
    /// Number of read-only connections in the reader pool.
    public var readers: Int = 4
    /// Most write closures committed together in one transaction.
    public var maxBatch: Int = 512
    /// `synchronous` pragma: FULL means an acknowledged write survives power loss.
    public var synchronous: String = "FULL"
    /// Page cache per connection, in KB (SQLite's default is 2,000 KB).
    public var cacheKilobytes: Int = 1024
    /// The migrations that make up the schema.
    public var migrations: [Migration] = KernelSchema.migrations

    public init() {}
}
