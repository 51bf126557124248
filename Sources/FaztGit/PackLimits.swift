/// Bounds a pack reader enforces while reading an untrusted pack; exceeding one throws a `GitProtocolError` naming it.
public struct PackLimits: Sendable, Equatable {
    /// Most objects in one pack.
    public var maxObjects: Int
    /// Largest object (after delta resolution) in bytes.
    public var maxObjectSize: Int
    /// Largest pack in bytes.
    public var maxPackBytes: Int

    public init(maxObjects: Int = 200_000, maxObjectSize: Int = 64 << 20, maxPackBytes: Int = 512 << 20) {
        self.maxObjects = maxObjects
        self.maxObjectSize = maxObjectSize
        self.maxPackBytes = maxPackBytes
    }
}
