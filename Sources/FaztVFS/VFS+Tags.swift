import FaztGit
import FaztStore

/// A named version: kept by retention however old it gets, and a lightweight git tag
/// (`refs/tags/<name>`) on the version's commit that clones see.
public struct VersionTag: Codable, Sendable, Equatable {
    public var name: String
    public var version: Int
    /// The tagged commit (40 hex digits).
    public var commit: String
}

extension VFS {
    /// Tags `version` of `app` as `name` (moving the tag when it already names another version).
    @discardableResult
    public func tag(app rawName: String, name rawTag: String, version: Int) throws -> VersionTag {
        let tag = try TagName.validate(rawTag)
        let app = try info(app: rawName).name
        return try store.writeBlocking { connection in
            guard
                let bytes = try connection.queryOne(
                    "SELECT commit_oid FROM versions WHERE app = ? AND n = ?",
                    [.text(app), .int(version)],
                    { $0.optionalBytes(0) }
                )
            else {
                throw VFSError(.versionNotFound, "\(app) has no version \(version) (see 'fazt versions \(app)')")
            }
            guard let commit = bytes.flatMap({ GitObjectID(bytes: $0) }) else {
                throw VFSError(
                    .storage,
                    "version \(version) of \(app) has no commit; deploy again and tag the new version"
                )
            }
            try connection.run(
                """
                INSERT INTO git_refs (app, name, oid) VALUES (?, ?, ?)
                ON CONFLICT (app, name) DO UPDATE SET oid = excluded.oid
                """,
                [.text(app), .text(TagName.refPrefix + tag), .blob(commit.bytes)]
            )
            return VersionTag(name: tag, version: version, commit: commit.hex)
        }
    }

    /// Removes tag `name` of `app`; its version becomes subject to retention again.
    public func untag(app rawName: String, name rawTag: String) throws {
        let tag = try TagName.validate(rawTag)
        let app = try info(app: rawName).name
        let removed = try store.writeBlocking { connection in
            try connection.run(
                "DELETE FROM git_refs WHERE app = ? AND name = ?",
                [.text(app), .text(TagName.refPrefix + tag)]
            )
        }
        guard removed > 0 else {
            throw VFSError(.notFound, "\(app) has no tag '\(tag)' (see 'fazt tag \(app)')")
        }
    }

    /// `app`'s tags, by name; a tag whose commit is no version (a pushed tag) has version 0.
    public func tags(app rawName: String) throws -> [VersionTag] {
        let app = try info(app: rawName).name
        return try store.read { try Self.tags($0, app: app) }
    }

    static func tags(_ connection: Connection, app: String) throws -> [VersionTag] {
        try connection.query(
            """
            SELECT substr(r.name, ?), COALESCE(v.n, 0), r.oid FROM git_refs r
            LEFT JOIN versions v ON v.app = r.app AND v.commit_oid = r.oid
            WHERE r.app = ? AND r.name GLOB 'refs/tags/*'
            GROUP BY r.name ORDER BY r.name
            """,
            [.int(TagName.refPrefix.utf8.count + 1), .text(app)]
        ) { row in
            VersionTag(
                name: row.string(0),
                version: row.int(1),
                commit: GitObjectID(bytes: row.bytes(2))?.hex ?? ""
            )
        }
    }
}

/// Validates tag names: 1-100 letters, digits, '.', '_' or '-', not starting with '.' or '-',
/// without '..' and not ending in '.lock' (what git accepts as a ref name component).
public enum TagName {
    /// The rule, as error messages and docs state it.
    public static let rule =
        "1-100 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..' or a '.lock' ending"
    static let refPrefix = "refs/tags/"

    /// Returns `raw` when it is a valid tag name, or throws `invalidName` stating the rule.
    public static func validate(_ raw: String) throws(VFSError) -> String {
        let bytes = Array(raw.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        let punctuation: Set<UInt8> = [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-")]
        guard !bytes.isEmpty, bytes.count <= 100, alphanumeric(bytes[0]),
            bytes.allSatisfy({ alphanumeric($0) || punctuation.contains($0) }),
            !raw.contains(".."), !raw.hasSuffix(".lock")
        else {
            throw VFSError(.invalidName, "invalid tag name '\(raw)': use \(rule)")
        }
        return raw
    }
}
