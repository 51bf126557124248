import CCrypto
import FaztTestSupport
import Foundation
import Testing

/// Script-form bodies and the error bodies a handler crash produces (issue 10).
@Suite struct ScriptFormAndErrorTests {
    @Test func scriptFormTakesBinaryBodiesAsBytesAndTopLevelAwait() throws {
        let server = try ServerProcess()
        let files = [
            // Original-Fazt style: store the body, read it back, answer its size and digest.
            js(
                "api/store.js",
                #"""
                const put = fazt.storage.s3.put("upload.bin", request.body, "application/octet-stream");
                const back = new Uint8Array(fazt.storage.blobs.get("upload.bin").data);
                const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", back));
                respond({ isBytes: request.body instanceof Uint8Array, length: request.body.length, stored: back.length,
                          digest: Array.from(digest).map((b) => b.toString(16).padStart(2, "0")).join("") });
                """#
            ),
            js(
                "api/wait.js",
                "const value = await new Promise((r) => setTimeout(() => r(21), 5));\nreturn respond({ twice: value * 2 });"
            ),
            js("api/later.js", "await Promise.resolve();\nrespond(201, { late: true });"),
            js("api/text.js", "({ body: request.body, type: typeof request.body })"),
        ]
        #expect(try server.deploy("bytes", try ArchiveFixtures.zip(files)).status == 201)
        var state: UInt32 = 88_172_645
        let payload: [UInt8] = (0..<1000).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
        let stored = try TestHTTP.request(
            port: server.port,
            "POST",
            "/api/store",
            host: "bytes.localhost",
            headers: [("Content-Type", "application/octet-stream")],
            body: payload
        )
        #expect(stored.status == 200, "\(stored.text)")
        #expect(stored.json["isBytes"] as? Bool == true)
        #expect(stored.json["length"] as? Int == 1000 && stored.json["stored"] as? Int == 1000)
        var digest = [UInt8](repeating: 0, count: 32)
        _ = SHA256(payload, payload.count, &digest)
        #expect(stored.json["digest"] as? String == digest.map { String(format: "%02x", $0) }.joined())
        #expect(try server.app("bytes", "/api/wait").json["twice"] as? Int == 42)
        let later = try server.app("bytes", "/api/later")
        #expect(later.status == 201 && later.json["late"] as? Bool == true)
        let text = try TestHTTP.request(
            port: server.port,
            "POST",
            "/api/text",
            host: "bytes.localhost",
            headers: [("Content-Type", "text/plain")],
            body: Array("héllo".utf8)
        )
        #expect(text.json["body"] as? String == "héllo" && text.json["type"] as? String == "string")
    }

    @Test func debugAppsShowErrorDetailsWithStorageCodes() throws {
        let server = try ServerProcess()
        let handler = js(
            "api/main.js",
            "module.exports = () => {\n  return fazt.sql.query('SELECT nope FROM missing_table WHERE 1');\n};"
        )
        let debugged = [handler, ArchiveFixtures.file("fazt.json", #"{"debug": true}"#)]
        #expect(try server.deploy("open", try ArchiveFixtures.zip(debugged)).status == 201)
        #expect(try server.deploy("closed", try ArchiveFixtures.zip([handler])).status == 201)
        let detailed = try server.app("open", "/api")
        #expect(detailed.status == 500)
        let message = detailed.json["error"] as? String ?? ""
        #expect(message.hasPrefix("SQL: no such table: missing_table"), "\(message)")
        #expect(message.contains(#"(in "SELECT nope FROM missing_table WHERE 1")"#), "\(message)")
        #expect(detailed.json["code"] as? String == "SQL_ERROR")
        #expect(detailed.json["where"] as? String == "api/main.js:2")
        #expect(detailed.json["run"] is Int)
        let hidden = try server.app("closed", "/api")
        #expect(hidden.status == 500 && hidden.json["error"] as? String == "internal error")
        #expect(hidden.json["code"] == nil && hidden.json["where"] == nil && hidden.json["run"] is Int)
    }
}
