import FaztGit
import Testing

@testable import FaztServer

/// The server's git framing without a socket: routes, request parsing, the ref advertisement.
@Suite struct GitProtocolTests {
    @Test func gitPathsOnTheBareDomainRouteToTheGitServer() {
        #expect(
            Route.resolve(host: "localhost:8080", path: "/_fazt/git/site.git/info/refs", domain: "localhost")
                == .git(app: "site", path: "/info/refs")
        )
        #expect(
            Route.resolve(host: "127.0.0.1", path: "/_fazt/git/site.git", domain: "localhost")
                == .git(app: "site", path: "/")
        )
        #expect(
            Route.resolve(host: "localhost", path: "/_fazt/git/site", domain: "localhost")
                == .dashboard(path: "/_fazt/git/site")
        )
        // On an app's own host the path is the app's.
        #expect(
            Route.resolve(host: "site.localhost", path: "/_fazt/git/site.git/info/refs", domain: "localhost")
                == .app(name: "site", path: "/_fazt/git/site.git/info/refs")
        )
    }

    @Test func parsesUploadRequestsWithShallowStateAndRounds() throws {
        let want = String(repeating: "a", count: 40)
        let have = String(repeating: "b", count: 40)
        var body = PktLine.text("want \(want) side-band-64k ofs-delta") + PktLine.text("deepen 3") + PktLine.flush
        var request = try GitUploadRequest.parse(body)
        #expect(request.wants.map(\.hex) == [want])
        #expect(request.capabilities == ["side-band-64k", "ofs-delta"])
        #expect(request.depth == 3)
        #expect(!request.endsRound && !request.done)
        body += PktLine.text("have \(have)") + PktLine.flush
        request = try GitUploadRequest.parse(body)
        #expect(request.haves.map(\.hex) == [have])
        #expect(request.endsRound)
        request = try GitUploadRequest.parse(body + PktLine.text("done"))
        #expect(request.done)
        #expect(throws: GitProtocolError.self) { try GitUploadRequest.parse(PktLine.text("want nothex")) }
        #expect(throws: GitProtocolError.self) { try GitUploadRequest.parse(PktLine.text("filter blob:none")) }
    }

    @Test func advertisesHeadFirstWithSymrefAndAnEmptyRepositoryAsCapabilities() throws {
        let id = GitObjectID(type: .blob, body: [1])
        var reader = PktLineReader(
            FaztResponder.advertisement(
                service: "git-upload-pack",
                refs: [("refs/heads/feature", id), ("refs/heads/main", id)]
            )
        )
        #expect(try reader.next() == .data(Array("# service=git-upload-pack\n".utf8)))
        #expect(try reader.next() == .flush)
        guard case .data(let first) = try reader.next() else {
            Issue.record("no first ref")
            return
        }
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("\(id.hex) HEAD\0"))
        #expect(text.contains("symref=HEAD:refs/heads/main"))
        #expect(try reader.next() == .data(Array("\(id.hex) refs/heads/feature\n".utf8)))

        var empty = PktLineReader(FaztResponder.advertisement(service: "git-receive-pack", refs: []))
        _ = try empty.next()
        _ = try empty.next()
        guard case .data(let line) = try empty.next() else {
            Issue.record("no capabilities line")
            return
        }
        #expect(
            String(decoding: line, as: UTF8.self).hasPrefix(
                String(repeating: "0", count: 40) + " capabilities^{}\0report-status"
            )
        )
    }

    @Test func parsesPushCommandsAndTheirPack() throws {
        let old = GitObjectID(type: .blob, body: [1])
        let new = GitObjectID(type: .blob, body: [2])
        let zero = String(repeating: "0", count: 40)
        var body = PktLine.data(Array("\(old.hex) \(new.hex) refs/heads/main\0report-status side-band-64k\n".utf8))
        body += PktLine.text("\(zero) \(new.hex) refs/heads/b") + PktLine.text("\(old.hex) \(zero) refs/heads/c")
        body += PktLine.flush + Array("PACK".utf8)
        let request = try GitReceivePack.parse(body)
        #expect(request.capabilities == ["report-status", "side-band-64k"])
        #expect(
            request.updates == [
                .init(ref: "refs/heads/main", old: old, new: new), .init(ref: "refs/heads/b", old: nil, new: new),
                .init(ref: "refs/heads/c", old: old, new: nil),
            ]
        )
        #expect(Array(request.pack) == Array("PACK".utf8))
    }
}
