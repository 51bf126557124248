import FaztGit
import FaztStore
import FaztTestSupport
import Foundation
import Synchronization
import Testing

@testable import FaztVFS

/// `VFS.deployGitCommit`: a fetched commit becomes a version whose commit is that commit itself.
@Suite struct GitImportTests {
    let directory: TemporaryDirectory
    let store: Store
    let vfs: VFS

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        vfs = VFS(store: store)
    }

    /// A tree of `entries` (mode, name, object) and a commit of it, with every object listed.
    static func commit(_ entries: [(String, String, GitObject)], parents: [GitObjectID] = []) -> [GitObject] {
        var body: [UInt8] = []
        for (mode, name, object) in entries.sorted(by: { $0.1 < $1.1 }) {
            body += Array("\(mode) \(name)".utf8) + [0] + object.id.bytes
        }
        let tree = GitObject(type: .tree, body: body)
        let text =
            "tree \(tree.id.hex)\n" + parents.map { "parent \($0.hex)\n" }.joined()
            + "author A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nImported subject\n\nbody\n"
        return [GitObject(type: .commit, body: Array(text.utf8)), tree] + entries.map(\.2)
    }

    static func blob(_ text: String) -> GitObject { GitObject(type: .blob, body: Array(text.utf8)) }

    @Test func theVersionIsTheFetchedCommitAndMainPointsAtIt() throws {
        let script = Self.blob("#!/bin/sh\n")
        let objects = Self.commit([
            ("100644", "index.html", Self.blob("<h1>hi</h1>\n")), ("100755", "run.sh", script),
        ])
        let commit = objects[0].id
        let result = try vfs.deployGitCommit(app: "site", commit: commit, objects: objects)
        #expect(result.version == 1 && result.files == 2)
        let versions = try vfs.versions(app: "site")
        #expect(versions.first?.message == "Imported subject" && versions.first?.source == "git")
        #expect(try store.read { try GitHistory.main($0, app: "site") } == commit)
        #expect(try store.read { try GitObjectStore($0, app: "site").object(commit) } == objects[0])
        #expect(try store.read { try GitObjectStore($0, app: "site").object(script.id) } == script)

        // A second commit needs only what is new; the unchanged blob comes from the store.
        let next = Self.commit(
            [("100644", "index.html", Self.blob("<h1>two</h1>\n")), ("100755", "run.sh", script)],
            parents: [commit]
        )
        let fetched = next.filter { $0.id != script.id }
        #expect(try vfs.deployGitCommit(app: "site", commit: next[0].id, objects: fetched).version == 2)
        // Another app cannot reach these objects by id: to it, they do not exist.
        #expect(try vfs.gitObjects(app: "site")(script.id) == script)
        #expect(try vfs.gitObjects(app: "other")(script.id) == nil)
        #expect(throws: VFSError.self) {
            try vfs.deployGitCommit(app: "other", commit: next[0].id, objects: [])
        }
        #expect(try store.read { try GitHistory.recentCommits($0, app: "site", limit: 10) } == [next[0].id, commit])
    }

    @Test func refusesWhatAnAppCannotHoldAndChangesNothing() throws {
        let cases: [([(String, String, GitObject)], String)] = [
            ([("120000", "link", Self.blob("/etc/passwd"))], "symbolic link"),
            ([("160000", "sub", Self.blob("x"))], "submodule"),
            ([("100644", ".git", Self.blob("x"))], "not allowed"),
            ([("100644", "a\u{1}b", Self.blob("x"))], "control characters"),
            ([("100644", "fazt.json", Self.blob("{not json"))], "fazt.json"),
        ]
        for (entries, fragment) in cases {
            let objects = Self.commit(entries)
            do {
                _ = try vfs.deployGitCommit(app: "site", commit: objects[0].id, objects: objects)
                Issue.record("\(entries[0].1) was accepted")
            } catch {
                #expect("\(error)".contains(fragment), "\(entries[0].1): \(error)")
            }
        }
        // A missing blob is named; a script the checker refuses stops the deploy.
        let missing = Self.commit([("100644", "index.html", Self.blob("gone"))])
        #expect(throws: VFSError.self) {
            try vfs.deployGitCommit(app: "site", commit: missing[0].id, objects: Array(missing.prefix(2)))
        }
        let handler = Self.blob("exports.get = () => 1;\n")
        let api = GitObject(type: .tree, body: Array("100644 hello.js".utf8) + [0] + handler.id.bytes)
        let withScript = Self.commit([("40000", "api", api)]) + [handler]
        let seen = Mutex<[String]>([])
        #expect(throws: VFSError.self) {
            try vfs.deployGitCommit(app: "site", commit: withScript[0].id, objects: withScript) { scripts in
                seen.withLock { $0 = scripts.map(\.path) }
                throw VFSError(.syntaxError, "refused")
            }
        }
        #expect(seen.withLock { $0 } == ["api/hello.js"])
        #expect(try vfs.apps().isEmpty)
    }
}
