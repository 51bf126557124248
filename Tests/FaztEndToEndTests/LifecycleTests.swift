import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Start, stop, crash and restart; tokens; the HTTP connection contract.
@Suite struct LifecycleTests {
    @Test func printsTheReadyLineAndStoresOnlyTheTokenHash() throws {
        let server = try ServerProcess()
        let token = try server.token()
        #expect(server.waitForStderr("first owner token"))
        #expect(try server.api("GET", "/apps").status == 200)
        #expect(server.stop() == 0)
        let store = try Store(path: server.dataPath)
        defer { store.close() }
        let rows = try store.read { connection in
            try connection.query("SELECT id, name, hex(hash) FROM tokens") {
                "\($0.string(0)) \($0.string(1)) \($0.string(2))"
            }
        }
        #expect(rows.count == 1)
        #expect(!rows[0].contains(token) && !rows[0].lowercased().contains(token.dropFirst(4)))
    }

    @Test func stopsCleanlyOnSIGTERMAndRestartsWithData() throws {
        let server = try ServerProcess()
        let files = [ArchiveFixtures.file("index.html", "kept"), js("api/x.js", "module.exports = () => 1;")]
        _ = try server.deploy("site", try ArchiveFixtures.zip(files))
        #expect(try server.app("site", "/api/x").status == 200, "a worker is running at the stop")
        let token = try server.token()
        #expect(server.stop() == 0)
        #expect(!server.stderr.contains("reason=crash") && !server.stderr.contains("killing JavaScript worker"))
        let walSize = (try? FileManager.default.attributesOfItem(atPath: server.dataPath + "-wal"))?[.size] as? Int ?? 0
        #expect(walSize == 0, "a clean stop checkpoints the WAL")
        let again = try ServerProcess(reuse: server.directory)
        #expect(again.firstToken == nil)
        #expect(try again.app("site", "/").text == "kept")
        #expect(try again.api("GET", "/apps", token: token).status == 200)
    }

    @Test func stopsCleanlyOnSIGINT() throws {
        let server = try ServerProcess()
        #expect(try server.app("nothing", "/").status == 404)
        #expect(server.interrupt() == 0)
        #expect(server.waitForStderr("stopped", seconds: 5))
    }

    @Test func survivesKill9InTheMiddleOfALargeDeploy() throws {
        let server = try ServerProcess()
        _ = try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "previous")]))
        let token = try server.token()
        // ~60 MB of incompressible files: long enough to be mid-import when the kill lands.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let files: [ArchiveFixtures.Entry] = (0..<30).map { index in
            var bytes = [UInt8](repeating: 0, count: 2 << 20)
            for offset in stride(from: 0, to: bytes.count, by: 8) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                withUnsafeBytes(of: state) { word in for i in 0..<8 { bytes[offset + i] = word[i] } }
            }
            return .file("big\(index).bin", bytes)
        }
        let archive = try ArchiveFixtures.tarGzip(files + [ArchiveFixtures.file("index.html", "next")])
        let connection = try TestConnection(port: server.port)
        try connection.sendRequest(
            "POST",
            "/_fazt/api/v1/apps/site/deploy",
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/gzip")],
            body: archive
        )
        // The whole body is sent; the server is now importing. Kill it without warning.
        server.kill9()
        let restarted = try ServerProcess(reuse: server.directory)
        #expect(try restarted.app("site", "/").text == "previous")
        #expect(try restarted.api("GET", "/apps/site", token: token).json["versions"] as? Int == 1)
        #expect(restarted.stop() == 0)
        let store = try Store(path: server.dataPath)
        defer { store.close() }
        #expect(try store.read { try $0.integrityCheck() } == "ok")
        let orphans = try store.read { connection in
            try connection.queryOne("SELECT COUNT(*) FROM blobs WHERE hash NOT IN (SELECT blob FROM files)") {
                $0.int(0)
            }
        }
        #expect(orphans == 0)
    }

    @Test func tokenCommandsWorkWhileTheServerRuns() throws {
        let server = try ServerProcess()
        let (status, output, _) = try ServerProcess.runCLI([
            "token", "create", "--data", server.dataPath, "--name", "laptop",
        ])
        #expect(status == 0)
        let token = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("fzt_") && !token.contains(" "))
        #expect(try server.api("GET", "/apps", token: token).status == 200)
        let (_, listed, _) = try ServerProcess.runCLI(["token", "list", "--data", server.dataPath, "--json"])
        let tokens =
            (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])?["tokens"] as? [[String: Any]]
            ?? []
        #expect(tokens.count == 2 && !listed.contains(token))
        let id = try #require(tokens.first { $0["name"] as? String == "laptop" }?["id"] as? String)
        #expect(try ServerProcess.runCLI(["token", "revoke", id, "--data", server.dataPath]).0 == 0)
        #expect(try server.api("GET", "/apps", token: token).status == 401)
        #expect(try ServerProcess.runCLI(["token", "revoke", "tok_nope", "--data", server.dataPath]).0 != 0)
        let created = try server.api("POST", "/tokens", body: Array(#"{"name":"ci"}"#.utf8))
        #expect(created.status == 201 && (created.json["token"] as? String)?.hasPrefix("fzt_") == true)
    }

    @Test func keepsConnectionsAliveAndAnswersPipelinedRequestsInOrder() throws {
        let server = try ServerProcess()
        let files = (0..<5).map { ArchiveFixtures.file("f\($0).txt", "file \($0)") }
        _ = try server.deploy("site", try ArchiveFixtures.zip(files))
        let connection = try TestConnection(port: server.port)
        for index in 0..<5 {
            try connection.sendRequest("GET", "/f\(index).txt", host: "site.localhost")
            #expect(try connection.readResponse().text == "file \(index)")
        }
        var pipelined = ""
        for index in (0..<5).reversed() { pipelined += "GET /f\(index).txt HTTP/1.1\r\nHost: site.localhost\r\n\r\n" }
        try connection.send(pipelined)
        for index in (0..<5).reversed() { #expect(try connection.readResponse().text == "file \(index)") }
        try connection.sendRequest("GET", "/f0.txt", host: "site.localhost", headers: [("Connection", "close")])
        let last = try connection.readResponse()
        #expect(last.header("connection") == "close")
        #expect(try connection.isClosedByPeer())
    }

    @Test func acceptsChunkedUploadsAndExpectContinue() throws {
        let server = try ServerProcess()
        let archive = try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "chunked")])
        let connection = try TestConnection(port: server.port)
        var request = "POST /_fazt/api/v1/apps/chunky/deploy HTTP/1.1\r\nHost: localhost\r\n"
        request += "Authorization: Bearer \(try server.token())\r\nContent-Type: application/zip\r\n"
        request += "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
        try connection.send(request)
        var body: [UInt8] = []
        for chunk in stride(from: 0, to: archive.count, by: 100) {
            let part = archive[chunk..<min(chunk + 100, archive.count)]
            body += Array(String(part.count, radix: 16).utf8) + [13, 10] + part + [13, 10]
        }
        try connection.send(body + Array("0\r\n\r\n".utf8))
        #expect(try connection.readResponse().status == 201)
        #expect(try server.app("chunky", "/").text == "chunked")
    }
}
