/// How a `Store` opens and uses its database file.
public struct StoreConfiguration: Sendable {
    /// Number of read-only connections in the reader pool.
    public var readers: Int = 4
    /// Most write closures committed together in one transaction.
    public var maxBatch: Int = 512
    /// Sync the WAL before acknowledging a write (so an acknowledged write survives power loss).
    ///
    /// Off only in tests that do not care.
    public var syncsWAL: Bool = true
    /// Page cache per connection, in KB (SQLite's default is 2,000 KB).
    public var cacheKilobytes: Int = 1024
    /// Journal every app's data changes (`ChangeJournal`) so data can be restored to a point.
    public var journalsData: Bool = false
    /// The migrations that make up the schema.
    public var migrations: [Migration] = KernelSchema.migrations

    public init() {}
}
