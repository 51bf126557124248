/// Limits that bound what one deploy may bring in (ARCHITECTURE.md §7).
public struct DeployLimits: Sendable {
    /// Largest accepted upload, in bytes.
    public var maxUploadBytes: Int = 100 * 1024 * 1024
    /// Largest total size of all files after expansion.
    public var maxExpandedBytes: Int = 500 * 1024 * 1024
    /// Most entries (files and directories) in one archive.
    public var maxEntries: Int = 10_000
    /// Largest single file after expansion.
    public var maxFileBytes: Int = 50 * 1024 * 1024
    /// Longest path, in bytes.
    public var maxPathBytes: Int = 1024
    /// Versions kept per app after each new one (the live version and draft bases always stay).
    public var keepVersions: Int = 100

    public init() {}
}
