import FaztGit
import FaztTestSupport
import Foundation
import Testing

@testable import FaztStore

/// Migration 11 gives data written before it a git history.
@Suite struct GitBackfillTests {
    @Test func backfillsBlobIDsAndOneCommitPerVersionInOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/data.db"
        var old = StoreConfiguration()
        old.migrations = Array(KernelSchema.migrations.prefix(10))
        old.syncsWAL = false
        let contents = ["<h1>one</h1>", "<h1>two</h1>", "<h1>three</h1>"].map { Array($0.utf8) }
        do {
            let store = try Store(path: path, configuration: old)
            try store.writeBlocking { connection in
                for (index, data) in contents.enumerated() {
                    try connection.run(
                        "INSERT INTO blobs (hash, size, data, created_at) VALUES (?, ?, ?, 0)",
                        [.blob([UInt8(index)] + Array(repeating: 0, count: 31)), .int(data.count), .blob(data)]
                    )
                }
                // "site" went back to version 2 after deploying 3; "solo" has one version.
                try connection.run("INSERT INTO apps VALUES ('site', 2, 0, 5000000), ('solo', 1, 0, 0)")
                for n in 1...3 {
                    try connection.run(
                        "INSERT INTO versions (app, n, source, files, bytes, created_at) VALUES ('site', ?, 'cli', 2, 1, ?)",
                        [.int(n), .integer(Int64(n) * 1_000_000)]
                    )
                    for (path, blob) in [("index.html", n - 1), ("css/a/site.css", 0)] {
                        try connection.run(
                            "INSERT INTO files VALUES ('site', ?, ?, ?, 1, 'text/plain')",
                            [.int(n), .text(path), .blob([UInt8(blob)] + Array(repeating: 0, count: 31))]
                        )
                    }
                }
                try connection.run(
                    "INSERT INTO versions (app, n, source, files, bytes, created_at) VALUES ('solo', 1, 'cli', 1, 1, 0)"
                )
                try connection.run(
                    "INSERT INTO files VALUES ('solo', 1, 'x', ?, 1, 'text/plain')",
                    [.blob(Array(repeating: 0, count: 32))]
                )
            }
            store.close()
        }
        var current = StoreConfiguration()
        current.syncsWAL = false
        let store = try Store(path: path, configuration: current)
        defer { store.close() }
        let (blobs, commits, refs) = try store.read { connection in
            (
                try connection.query("SELECT data, git_oid FROM blobs ORDER BY id") {
                    ($0.bytes(0), $0.optionalBytes(1))
                },
                try connection.query("SELECT commit_oid FROM versions WHERE app = 'site' ORDER BY n") {
                    try #require(GitObjectID(bytes: $0.bytes(0)))
                },
                try connection.query("SELECT app, oid FROM git_refs ORDER BY app") {
                    ($0.string(0), try #require(GitObjectID(bytes: $0.bytes(1))))
                }
            )
        }
        for (data, oid) in blobs { #expect(oid == GitObjectID(type: .blob, body: data).bytes) }
        #expect(commits.count == 3)
        #expect(refs.map(\.0) == ["site", "solo"])

        let repo = try BareGitRepository()
        try store.read { connection in
            for (data, oid) in try connection.query(
                "SELECT data, git_oid FROM blobs",
                [],
                { ($0.bytes(0), $0.bytes(1)) }
            ) {
                try repo.writeLoose(type: .blob, body: data, id: try #require(GitObjectID(bytes: oid)))
            }
            for (oid, type, data) in try connection.query(
                "SELECT oid, type, data FROM git_objects",
                [],
                {
                    ($0.bytes(0), $0.string(1), $0.bytes(2))
                }
            ) {
                try repo.writeLoose(
                    type: try #require(GitObjectType(rawValue: type)),
                    body: data,
                    id: try #require(GitObjectID(bytes: oid))
                )
            }
        }
        try repo.setBranch("main", to: refs[0].1)
        try repo.setBranch("solo", to: refs[1].1)
        try repo.run("fsck", "--strict", "--no-dangling")
        // main: a rollback commit to version 2 on top of versions 3, 2, 1 in order.
        let log = try repo.run("log", "--format=%H %ct %s", "main").split(separator: "\n").map(String.init)
        #expect(log.count == 4)
        #expect(log[0].hasSuffix(" 5000 Roll back to version 2"))
        #expect(log.dropFirst().map { String($0.prefix(40)) } == commits.reversed().map(\.hex))
        #expect(log[1].hasSuffix(" 3000 Version 3"))
        #expect(try repo.run("rev-parse", "main^{tree}") == repo.run("rev-parse", "\(commits[1].hex)^{tree}"))
        #expect(try repo.run("cat-file", "-p", "main:index.html") == "<h1>two</h1>")
        #expect(try repo.run("ls-tree", "-r", "--name-only", "solo") == "x\n")
    }
}
