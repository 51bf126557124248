import FaztTestSupport
import Foundation
import Testing

/// Bad archives, names, tokens and malformed HTTP: each gets a clear 4xx and the live version stays.
@Suite struct HostileInputTests {
    static func liveServer(_ arguments: [String] = []) throws -> ServerProcess {
        let server = try ServerProcess(arguments: arguments)
        let first = try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "live v1")]))
        guard first.status == 201 else { throw TestError("setup deploy failed: \(first.text)") }
        return server
    }

    static func expectUntouched(_ server: ServerProcess) throws {
        let page = try server.app("site", "/")
        #expect(page.status == 200 && page.text == "live v1")
        #expect(try server.api("GET", "/apps/site").json["versions"] as? Int == 1)
    }

    static func expectError(_ response: TestResponse, status: Int, mentions: String) {
        #expect(response.status == status, "body: \(response.text)")
        let error = response.json["error"] as? [String: Any]
        #expect(error?["code"] is String)
        let message = error?["message"] as? String ?? ""
        #expect(message.contains(mentions), "message: \(message)")
    }

    @Test func refusesHostileArchives() throws {
        let server = try Self.liveServer(["--max-file-mb", "2"])
        let cases: [(String, [UInt8], String)] = [
            ("zip-slip", try ArchiveFixtures.zip([ArchiveFixtures.file("../../etc/x", "x")]), "../../etc/x"),
            ("absolute", try ArchiveFixtures.tarGzip([ArchiveFixtures.file("/etc/passwd", "x")]), "/etc/passwd"),
            ("symlink", try ArchiveFixtures.tarGzip([.symlink("index.html", target: "/etc/passwd")]), "symbolic link"),
            (
                "bomb", try ArchiveFixtures.zip([.file("zeros.bin", [UInt8](repeating: 0, count: 40 << 20))]),
                "zeros.bin"
            ),
            ("corrupt", Array("PK\u{3}\u{4}garbage that is not a zip".utf8), "archive"),
            ("empty", [], "archive"),
        ]
        for (name, bytes, mention) in cases {
            let response = try server.deploy("site", bytes)
            #expect(response.status == 400 || response.status == 413, "\(name): \(response.status)")
            Self.expectError(response, status: response.status, mentions: mention)
            try Self.expectUntouched(server)
        }
    }

    @Test func refusesOversizeUploadsWith413() throws {
        let server = try Self.liveServer(["--max-upload-mb", "1"])
        var state: UInt32 = 2_463_534_242
        let noise: [UInt8] = (0..<(2 << 20)).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
        let big = try ArchiveFixtures.zip([.file("noise.bin", noise)])
        let response = try server.deploy("site", big)
        #expect(response.status == 413)
        try Self.expectUntouched(server)
    }

    @Test func refusesBadAppNames() throws {
        let server = try Self.liveServer()
        let zip = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "x")])
        Self.expectError(try server.deploy("www", zip), status: 400, mentions: "reserved")
        Self.expectError(try server.deploy("-bad-", zip), status: 400, mentions: "invalid app name")
        Self.expectError(try server.deploy("under_score", zip), status: 400, mentions: "invalid app name")
        Self.expectError(try server.deploy("api", zip), status: 400, mentions: "reserved")
        #expect((try server.api("GET", "/apps").json["apps"] as? [Any])?.count == 1)
    }

    @Test func refusesBadTokens() throws {
        let server = try Self.liveServer()
        let zip = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "evil")])
        Self.expectError(
            try server.api("POST", "/apps/site/deploy", token: "fzt_wrong", body: zip),
            status: 401,
            mentions: "token"
        )
        let anonymous = try TestHTTP.request(port: server.port, "POST", "/_fazt/api/v1/apps/site/deploy", body: zip)
        Self.expectError(anonymous, status: 401, mentions: "Bearer")
        Self.expectError(
            try TestHTTP.request(port: server.port, "GET", "/_fazt/api/v1/apps"),
            status: 401,
            mentions: "token"
        )
        try Self.expectUntouched(server)
        #expect(try TestHTTP.request(port: server.port, "GET", "/_fazt/api/v1/health").status == 200)
        Self.expectError(try server.api("GET", "/nothing"), status: 404, mentions: "no control API route")
        Self.expectError(
            try server.deploy("site", zip, contentType: "text/plain"),
            status: 415,
            mentions: "application/zip"
        )
    }

    @Test func answersMalformedRequestsAndKeepsServing() throws {
        let server = try Self.liveServer()
        for garbage in [
            "GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /\u{1} HTTP/1.1\r\nHost: x\r\n\r\n",
            "\u{0}\u{1}\u{2}\r\n\r\n",
        ] {
            let connection = try TestConnection(port: server.port)
            try connection.send(garbage)
            let raw = String(decoding: try connection.readToEnd(), as: UTF8.self)
            #expect(raw.hasPrefix("HTTP/1.1 400"), "\(garbage.debugDescription) → \(raw.prefix(40))")
        }
        let huge = try TestConnection(port: server.port)
        try huge.send(
            "GET / HTTP/1.1\r\nHost: site.localhost\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n"
        )
        #expect(String(decoding: try huge.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 431"))
        let body = try TestConnection(port: server.port)
        try body.send("POST / HTTP/1.1\r\nHost: site.localhost\r\nContent-Length: 999999999\r\n\r\n")
        #expect(try body.readResponse().status == 413)
        try Self.expectUntouched(server)
        #expect(server.isRunning)
    }

    @Test func limitsConnectionsPerClientAddress() throws {
        let server = try Self.liveServer()
        var open: [TestConnection] = []
        for _ in 0..<50 {
            let connection = try TestConnection(port: server.port)
            try connection.sendRequest("GET", "/", host: "site.localhost")
            #expect(try connection.readResponse().status == 200)
            open.append(connection)
        }
        let extra = try TestConnection(port: server.port)
        #expect(String(decoding: try extra.readToEnd(), as: UTF8.self).hasPrefix("HTTP/1.1 429"))
        open.removeAll()
        // Slots come back once connections close; the close is observed asynchronously.
        var status = 0
        for _ in 0..<200 where status != 200 {
            let retry = try TestConnection(port: server.port)
            try retry.sendRequest("GET", "/", host: "site.localhost")
            status = (try? retry.readResponse().status) ?? 0
        }
        #expect(status == 200)
    }

    @Test func closesConnectionsThatStallInTheirHeaders() throws {
        let server = try Self.liveServer(["--header-timeout", "1"])
        let connection = try TestConnection(port: server.port)
        try connection.send("GET / HTTP/1.1\r\nHost: site.lo")
        let raw = String(decoding: try connection.readToEnd(), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 408"))
    }

    @Test func closesIdleKeepAliveConnections() throws {
        let server = try Self.liveServer(["--idle-timeout", "1"])
        let connection = try TestConnection(port: server.port)
        try connection.sendRequest("GET", "/", host: "site.localhost")
        #expect(try connection.readResponse().status == 200)
        // The close itself is the signal: the read returns when the server hangs up.
        #expect(try connection.isClosedByPeer())
    }

    @Test func refusesChunkedBodiesPastTheLimit() throws {
        let server = try Self.liveServer(["--max-body-mb", "1"])
        let connection = try TestConnection(port: server.port)
        try connection.send(
            "POST /_fazt/api/v1/apps/site/rollback HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer \(try server.token())\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x10000) + [13, 10]
        var refused: TestResponse?
        for _ in 0..<40 where refused == nil {
            do {
                try connection.send(chunk)
            } catch {
                break
            }
        }
        refused = try connection.readResponse()
        #expect(refused?.status == 413)
        #expect(refused?.header("connection") == "close")
        try Self.expectUntouched(server)
    }

    @Test func refusesUnauthenticatedUploadsBeforeReadingTheirBody() throws {
        let server = try Self.liveServer()
        for expectContinue in [false, true] {
            let connection = try TestConnection(port: server.port)
            var head = "POST /_fazt/api/v1/apps/site/deploy HTTP/1.1\r\nHost: localhost\r\n"
            head += "Authorization: Bearer fzt_not_a_real_token\r\nContent-Type: application/zip\r\n"
            head += "Content-Length: 52428800\r\n" + (expectContinue ? "Expect: 100-continue\r\n" : "") + "\r\n"
            try connection.send(head)
            if !expectContinue { try connection.send([UInt8](repeating: 0, count: 65_536)) }
            // The answer comes while 50 MB are still unsent.
            let response = try connection.readResponse()
            #expect(response.status == 401)
            #expect(response.header("connection") == "close")
        }
        let anonymous = try TestConnection(port: server.port)
        try anonymous.send(
            "POST /_fazt/api/v1/apps/site/deploy HTTP/1.1\r\nHost: localhost\r\nContent-Length: 52428800\r\n\r\n"
        )
        #expect(try anonymous.readResponse().status == 401)
        try Self.expectUntouched(server)
        // Nothing may stay behind in the spool folder (the discard runs right after the refusal).
        let spool = server.directory.path + "/.fazt-tmp"
        var leftovers = ["?"]
        for _ in 0..<100 where !leftovers.isEmpty {
            leftovers = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
            if !leftovers.isEmpty { usleep(20_000) }
        }
        #expect(leftovers.isEmpty)
    }

    @Test func checksTheTokenBeforeTheSizeAndNamesTheFlag() throws {
        let server = try Self.liveServer()
        func declared(_ path: String, host: String = "localhost", token: String?, length: Int) throws -> TestResponse {
            let connection = try TestConnection(port: server.port)
            var head = "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/zip\r\n"
            if let token { head += "Authorization: Bearer \(token)\r\n" }
            try connection.send(head + "Content-Length: \(length)\r\n\r\n")
            return try connection.readResponse()
        }
        let huge = 150 << 20
        #expect(try declared("/_fazt/api/v1/apps/site/deploy", token: "fzt_wrong", length: huge).status == 401)
        #expect(try declared("/_fazt/api/v1/apps/site/deploy", token: nil, length: huge).status == 401)
        #expect(try declared("/_fazt/api/v1/apps/site/rollback", token: "fzt_wrong", length: huge).status == 401)
        let upload = try declared("/_fazt/api/v1/apps/site/deploy?message=x", token: try server.token(), length: huge)
        #expect(upload.status == 413 && upload.text.contains("--max-upload-mb"))
        let control = try declared("/_fazt/api/v1/apps/site/rollback", token: try server.token(), length: huge)
        #expect(control.status == 413 && control.text.contains("--max-body-mb"))
        let api = try declared("/api/x", host: "site.localhost", token: nil, length: huge)
        #expect(api.status == 413 && api.header("content-type") == "application/json")
        #expect((api.json["error"] as? String)?.contains("--max-body-mb") == true)
        try Self.expectUntouched(server)
    }
}
