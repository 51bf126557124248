/// What changed between two versions of an app: the changed paths and a unified diff.
public struct VersionDiff: Sendable, Equatable {
    public var app: String
    public var from: Int
    public var to: Int
    /// Every changed path, sorted by (new) path.
    public var files: [FileChange]
    /// The unified diff of the files that fit under `DiffLimits.maxDiffBytes`, in `files` order.
    public var diff: String
    /// True when some files' text was left out of `diff` (see `omittedFiles`).
    public var truncated: Bool
    /// How many changed files have no section in `diff`.
    public var omittedFiles: Int
}

/// One changed path of a `VersionDiff`.
public struct FileChange: Sendable, Equatable {
    /// How the path changed.
    public enum Status: String, Sendable {
        case added
        case modified
        case deleted
        /// The same content under a new path (`from` holds the old one).
        case renamed
    }

    public var path: String
    public var status: Status
    /// The old path of a renamed file.
    public var from: String?
    /// True when the content is not diffed as text: a NUL byte, invalid UTF-8, or over the size cap.
    public var binary: Bool
    /// Sizes in bytes; nil on the side where the file does not exist.
    public var oldSize: Int?
    public var newSize: Int?
    /// Lines added and removed; nil for binary files and files not diffed (over the read budget).
    public var additions: Int?
    public var deletions: Int?
}

/// Caps that keep a diff's cost and size bounded.
public struct DiffLimits: Sendable {
    /// Files larger than this (on either side) are summarized as binary.
    public var maxFileBytes = 1 << 20
    /// The diff text stops before the first file section that would pass this.
    public var maxDiffBytes = 1 << 20
    /// Content read for one diff, in total; files past it are listed without line counts.
    public var maxReadBytes = 64 << 20
    /// Unchanged lines around each change.
    public var context = 3

    public init() {}
}

/// Which version a diff side names: a number or whatever is live.
public enum VersionReference: Sendable, Equatable, CustomStringConvertible {
    case number(Int)
    case live

    /// Parses `7` or `live`; nil for anything else.
    public init?(_ text: String) {
        if text == "live" {
            self = .live
        } else if !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int(text),
            number > 0
        {
            self = .number(number)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .number(let number): return "\(number)"
        case .live: return "live"
        }
    }
}
