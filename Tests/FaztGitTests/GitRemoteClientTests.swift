import FaztGit
import Foundation
import Synchronization
import Testing

@testable import FaztGitRemote

/// The smart-HTTP client's pieces without a network: advertisement, report, retries, history walks.
@Suite struct GitRemoteClientTests {
    static let one = GitObjectID(type: .blob, body: Array("1".utf8))
    static let two = GitObjectID(type: .blob, body: Array("2".utf8))

    static func advertisement(_ service: String, _ lines: [String]) -> [UInt8] {
        var out = PktLine.text("# service=\(service)")
        out += PktLine.flush
        for line in lines { out += PktLine.data(Array(line.utf8)) }
        return out + PktLine.flush
    }

    @Test func parsesRefsCapabilitiesAndHead() throws {
        let body = Self.advertisement(
            "git-upload-pack",
            [
                "\(Self.one.hex) HEAD\0side-band-64k ofs-delta symref=HEAD:refs/heads/main agent=git/2.39\n",
                "\(Self.one.hex) refs/heads/main\n", "\(Self.two.hex) refs/tags/v1\n",
                "\(Self.one.hex) refs/tags/v1^{}\n",
            ]
        )
        let parsed = try RemoteAdvertisement.parse(body, service: "git-upload-pack")
        #expect(parsed.head == "refs/heads/main")
        #expect(parsed.capabilities.contains("side-band-64k") && parsed.capabilities.contains("ofs-delta"))
        #expect(parsed.refs == ["HEAD": Self.one, "refs/heads/main": Self.one, "refs/tags/v1": Self.two])
        #expect(try GitFetch.resolve(nil, in: parsed, url: "u") == ("refs/heads/main", Self.one))
        #expect(try GitFetch.resolve("v1", in: parsed, url: "u") == ("refs/tags/v1", Self.two))
        #expect(throws: GitRemoteError.self) { try GitFetch.resolve("nope", in: parsed, url: "u") }
    }

    @Test func anEmptyRepositoryHasNoRefsAndOtherServersAreRefused() throws {
        let zero = String(repeating: "0", count: 40)
        let empty = Self.advertisement("git-receive-pack", ["\(zero) capabilities^{}\0report-status side-band-64k\n"])
        let parsed = try RemoteAdvertisement.parse(empty, service: "git-receive-pack")
        #expect(parsed.refs.isEmpty && parsed.capabilities.contains("report-status"))
        #expect(throws: GitRemoteError.self) {
            try RemoteAdvertisement.parse(Array("<html>login</html>".utf8), service: "git-receive-pack")
        }
        #expect(throws: GitRemoteError.self) { try RemoteAdvertisement.parse(empty, service: "git-upload-pack") }
    }

    @Test func sidebandKeepsFinalProgressLinesAndData() throws {
        var bands = RemoteSideband()
        try bands.take([2] + Array("Counting: 50%\rCounting: 100%, done.\n".utf8))
        try bands.take([1] + Array("abc".utf8))
        try bands.take([2] + Array("hook says no\nsecond".utf8))
        try bands.take([1] + Array("def".utf8))
        bands.finish()
        #expect(bands.messages == ["Counting: 100%, done.", "hook says no", "second"])
        #expect(bands.data == Array("abcdef".utf8))
        #expect(bands.fatal == nil)
        try bands.take([3] + Array("out of disk".utf8))
        #expect(bands.fatal == "out of disk")
        #expect(throws: GitRemoteError.self) { try bands.take([9, 1]) }
    }

    @Test func branchNamesAreCheckedLikeGit() throws {
        #expect(try GitPush.refName("main") == "refs/heads/main")
        #expect(try GitPush.refName("feature/x") == "refs/heads/feature/x")
        #expect(try GitPush.refName("refs/heads/deploy") == "refs/heads/deploy")
        for bad in ["", "a..b", "a b", "x.lock", "a:b", "end/", "a~1", "a^", "q?", "@{u}"] {
            #expect(throws: GitRemoteError.self, "\(bad)") { try GitPush.refName(bad) }
        }
    }

    @Test func urlsAreCheckedAndNeverCarryCredentials() throws {
        let send: @Sendable (String, String, [String], [UInt8]?) throws -> (status: Int, body: [UInt8]) = {
            _,
            _,
            _,
            _ in
            (200, [])
        }
        #expect(
            try GitRemote(url: "https://example.com/a.git/", credentials: nil, send: send).url
                == "https://example.com/a.git"
        )
        for bad in ["ftp://example.com/a.git", "example.com/a.git", "https://u:p@example.com/a.git", "https://x/a?b=1"]
        {
            #expect(throws: GitRemoteError.self, "\(bad)") { try GitRemote(url: bad, credentials: nil, send: send) }
        }
    }

    @Test func aRefusedTokenIsTriedAtMostThreeTimesAndNeverShown() throws {
        let calls = Mutex<[[String]]>([])
        let credentials = GitRemote.Credentials(user: "x-access-token", password: "hunter2", secretName: "GH")
        let remote = try GitRemote(url: "https://example.com/a.git", credentials: credentials) { _, _, headers, _ in
            calls.withLock { $0.append(headers) }
            return (401, Array("denied".utf8))
        }
        do {
            _ = try remote.discover("git-receive-pack")
            Issue.record("a 401 must fail")
        } catch let error as GitRemoteError {
            guard case .authenticationFailed(let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(message.contains("authentication failed for https://example.com/a.git") && message.contains("GH"))
            #expect(!message.contains("hunter2"))
        }
        let sent = calls.withLock { $0 }
        #expect(sent.count == GitRemote.maxAttempts)
        let basic = "Authorization: Basic " + Data("x-access-token:hunter2".utf8).base64EncodedString()
        #expect(sent.allSatisfy { $0.contains(basic) })

        // Without credentials a 401 is not retried: there is nothing else to try.
        let anonymous = try GitRemote(url: "https://example.com/a.git", credentials: nil) { _, _, _, _ in (401, []) }
        #expect(throws: GitRemoteError.self) { try anonymous.discover("git-upload-pack") }
    }

    @Test func pushSendsOnlyWhatTheRemoteLacksAndChecksAncestry() throws {
        var store: [GitObjectID: GitObject] = [:]
        func commit(_ text: String, parents: [GitObjectID]) -> GitObjectID {
            let blob = GitObject(type: .blob, body: Array(text.utf8))
            let tree = GitTree.build([GitTree.File(path: "index.html", blob: blob.id)]).trees[0]
            let commit = GitObject.commit(tree: tree.id, parents: parents, seconds: 1, message: text)
            for object in [blob, tree, commit] { store[object.id] = object }
            return commit.id
        }
        let first = commit("one", parents: [])
        let second = commit("two", parents: [first])
        let lookup: (GitObjectID) throws -> GitObject? = { store[$0] }
        #expect(try GitHistoryWalk.isAncestor(first, of: second, lookup: lookup))
        #expect(try !GitHistoryWalk.isAncestor(second, of: first, lookup: lookup))
        #expect(try !GitHistoryWalk.isAncestor(Self.one, of: second, lookup: lookup))
        #expect(try GitHistoryWalk.missing(from: second, excluding: [], lookup: lookup).count == 6)
        let delta = try GitHistoryWalk.missing(from: second, excluding: [first], lookup: lookup)
        #expect(Set(delta.map(\.type)) == [.commit, .tree, .blob] && delta.count == 3)
        #expect(throws: GitRemoteError.self) {
            try GitHistoryWalk.missing(from: second, excluding: [], lookup: { $0 == first ? nil : store[$0] })
        }
    }
}
