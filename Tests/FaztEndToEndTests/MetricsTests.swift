import FaztTestSupport
import Foundation
import Glibc
import Testing

/// `/_fazt/metrics`, `/_fazt/livez`, `/_fazt/readyz` and the `--metrics-listen` listener, on the
/// real binary. The exposition is linted with `promtool check metrics` (Debian `prometheus`, which
/// `make test` installs): without promtool that test is skipped, or fails when `CI` is set.
@Suite struct MetricsTests {
    static let promtool = "/usr/bin/promtool"
    static let hasPromtool = FileManager.default.isExecutableFile(atPath: promtool)
    static let onCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    static func scrape(_ server: ServerProcess, token: String? = nil) throws -> TestResponse {
        let bearer = try token ?? server.token()
        return try TestHTTP.request(
            port: server.port,
            "GET",
            "/_fazt/metrics",
            headers: [("Authorization", "Bearer \(bearer)")]
        )
    }

    /// The value of the sample line that starts with `series` (name and labels exactly as written).
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func metricsNeedTheOwnerTokenAndCountersMoveWithRequests() throws {
        let server = try ServerProcess()
        let files = [
            ArchiveFixtures.file("index.html", "<h1>hello</h1>"),
            js("api/hello.js", "module.exports = () => ({ hi: 1 });"),
        ]
        #expect(try server.deploy("site", try ArchiveFixtures.zip(files)).status == 201)

        let anonymous = try TestHTTP.request(port: server.port, "GET", "/_fazt/metrics")
        #expect(anonymous.status == 401 && anonymous.text.contains("owner token"), "\(anonymous.text)")
        #expect(anonymous.header("WWW-Authenticate") == "Bearer")
        #expect(try Self.scrape(server, token: "fzt_" + String(repeating: "0", count: 48)).status == 401)
        let made = try server.api(
            "POST",
            "/tokens",
            headers: [("Content-Type", "application/json")],
            body: Array(#"{"name":"ci","apps":["site"],"preset":"read"}"#.utf8)
        )
        let scoped = try #require(made.json["token"] as? String, "\(made.text)")
        let refused = try Self.scrape(server, token: scoped)
        #expect(refused.status == 403 && refused.text.contains("scoped"), "\(refused.text)")
        let post = try TestHTTP.request(
            port: server.port,
            "POST",
            "/_fazt/metrics",
            headers: [("Authorization", "Bearer \(try server.token())")]
        )
        #expect(post.status == 405 && post.header("Allow") == "GET, HEAD")

        let before = try Self.scrape(server)
        #expect(before.status == 200)
        #expect(before.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let ok0 = Self.value(before.text, #"fazt_http_requests_total{app="site",code="2xx"}"#) ?? 0
        let missing0 = Self.value(before.text, #"fazt_http_requests_total{app="site",code="4xx"}"#) ?? 0
        let hits0 = Self.value(before.text, "fazt_static_cache_hits_total") ?? 0
        let scrapes0 = Self.value(before.text, #"fazt_http_requests_total{app="_fazt",code="2xx"}"#) ?? 0
        for _ in 0..<5 { #expect(try server.app("site", "/").status == 200) }
        for _ in 0..<2 { #expect(try server.app("site", "/nope.html").status == 404) }
        #expect(try server.app("site", "/api/hello").status == 200)

        let after = try Self.scrape(server).text
        #expect(Self.value(after, #"fazt_http_requests_total{app="site",code="2xx"}"#) == ok0 + 6, "\(after)")
        #expect(Self.value(after, #"fazt_http_requests_total{app="site",code="4xx"}"#) == missing0 + 2)
        #expect((Self.value(after, #"fazt_http_requests_total{app="_fazt",code="2xx"}"#) ?? 0) >= scrapes0 + 1)
        #expect((Self.value(after, #"fazt_http_request_duration_seconds_count{app="site"}"#) ?? 0) >= 8)
        #expect(Self.value(after, #"fazt_http_request_duration_seconds_bucket{app="site",le="+Inf"}"#) != nil)
        #expect((Self.value(after, "fazt_static_cache_hits_total") ?? 0) >= hits0 + 4)
        #expect((Self.value(after, #"fazt_js_invocations_total{outcome="ok"}"#) ?? 0) >= 1)
        #expect(Self.value(after, "fazt_js_workers") != nil)
        #expect((Self.value(after, "fazt_store_commit_duration_seconds_count") ?? 0) >= 1)
        #expect((Self.value(after, "fazt_store_database_bytes") ?? 0) > 0)
        #expect(Self.value(after, "fazt_jobs_pending") != nil)
        #expect(Self.value(after, "fazt_realtime_sockets") == 0)
        #expect(Self.value(after, #"fazt_ai_tokens_total{kind="input"}"#) == 0)
        #expect(after.contains(#"fazt_build_info{version=""#))
        #expect((Self.value(after, "process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((Self.value(after, "process_open_fds") ?? 0) > 3)
        let start = Self.value(after, "process_start_time_seconds") ?? 0
        #expect(abs(start - Date().timeIntervalSince1970) < 600, "start time \(start)")
    }

    @Test func javaScriptErrorsAndTimeLimitsAreCounted() throws {
        let server = try ServerProcess(arguments: ["--js-timeout-ms", "300"])
        let files = [
            js("api/loop.js", "module.exports = () => { while (true) {} };"),
            js("api/boom.js", "module.exports = () => { throw new Error('boom'); };"),
        ]
        #expect(try server.deploy("jsapp", try ArchiveFixtures.zip(files)).status == 201)
        #expect(try server.app("jsapp", "/api/boom").status == 500)
        #expect(try server.app("jsapp", "/api/loop").status == 503)
        let text = try Self.scrape(server).text
        #expect(Self.value(text, #"fazt_js_invocations_total{outcome="exception"}"#) == 1, "\(text)")
        #expect(Self.value(text, #"fazt_js_invocations_total{outcome="timeout"}"#) == 1)
        #expect(Self.value(text, #"fazt_js_limit_kills_total{limit="time"}"#) == 1)
        #expect(Self.value(text, #"fazt_http_requests_total{app="jsapp",code="5xx"}"#) == 2)
    }

    @Test(.enabled(if: hasPromtool || onCI, "promtool is missing: run `make test` (it installs prometheus)"))
    func promtoolFindsNothingToCriticize() throws {
        guard Self.hasPromtool else {
            Issue.record("CI is set and \(Self.promtool) is missing (Debian prometheus; make test installs it)")
            return
        }
        let server = try ServerProcess()
        _ = try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "hi")]))
        _ = try server.app("site", "/")
        _ = try server.app("site", "/missing")
        _ = try server.app("nosuchapp", "/")
        let text = try Self.scrape(server).text
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.promtool)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try ServerProcess.launch(process)
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && report.isEmpty, "promtool: \(report)\n\(text)")
    }

    @Test func livezAndReadyzAnswerWithoutCredentials() throws {
        let server = try ServerProcess()
        let live = try TestHTTP.request(port: server.port, "GET", "/_fazt/livez")
        #expect(live.status == 200 && live.text == "ok\n")
        let ready = try TestHTTP.request(port: server.port, "GET", "/_fazt/readyz")
        #expect(ready.status == 200 && ready.text == "ok\n")
        let verbose = try TestHTTP.request(port: server.port, "GET", "/_fazt/readyz?verbose")
        #expect(verbose.text.contains("[+] database ok") && verbose.text.contains("[+] workers ok"), "\(verbose.text)")
        #expect(try TestHTTP.request(port: server.port, "DELETE", "/_fazt/readyz").status == 405)
    }

    @Test func metricsListenerServesWithoutCredentials() throws {
        let server = try ServerProcess(arguments: ["--metrics-listen", "127.0.0.1:0"])
        let port = try #require(server.metricsPort, "the ready line names the metrics port")
        #expect(try server.app("site", "/").status == 404)
        let metrics = try TestHTTP.request(port: port, "GET", "/metrics")
        #expect(metrics.status == 200, "\(metrics.text)")
        #expect(metrics.text.contains(#"fazt_http_requests_total{app="site",code="4xx"} 1"#), "\(metrics.text)")
        #expect(try TestHTTP.request(port: port, "GET", "/readyz").status == 200)
        #expect(try TestHTTP.request(port: port, "GET", "/livez").status == 200)
        let other = try TestHTTP.request(port: port, "GET", "/_fazt/api/v1/apps")
        #expect(other.status == 404 && other.text.contains("only /metrics"))
    }

    @Test func aNonLoopbackMetricsListenerMustBeAskedForExplicitly() throws {
        let directory = try TemporaryDirectory()
        let (status, _, err) = try ServerProcess.runCLI([
            "serve", "--port", "0", "--data", directory.path + "/data.db", "--metrics-listen", "0.0.0.0:0",
        ])
        #expect(status != 0 && err.contains("--metrics-allow-remote"), "\(err)")
        let (badStatus, _, badErr) = try ServerProcess.runCLI([
            "serve", "--port", "0", "--data", directory.path + "/data.db", "--metrics-listen", "9090",
        ])
        #expect(badStatus != 0 && badErr.contains("HOST:PORT"), "\(badErr)")
    }

    /// The point of readyz during shutdown: it fails before the listener closes, so a proxy stops
    /// routing here while requests still succeed.
    @Test func readyzFailsWithin100MillisecondsOfSIGTERM() throws {
        let server = try ServerProcess(arguments: ["--shutdown-delay-ms", "3000"])
        #expect(try TestHTTP.request(port: server.port, "GET", "/_fazt/readyz").status == 200)
        let sent = Date()
        kill(server.pid, SIGTERM)
        var status = 0
        var elapsed = 0.0
        while status != 503 && Date().timeIntervalSince(sent) < 2 {
            status = try TestHTTP.request(port: server.port, "GET", "/_fazt/readyz").status
            elapsed = Date().timeIntervalSince(sent)
        }
        #expect(status == 503, "readyz never failed after SIGTERM")
        #expect(elapsed < 0.1, "readyz took \(elapsed) s to fail")
        #expect(try TestHTTP.request(port: server.port, "GET", "/_fazt/livez").status == 200, "still alive")
        #expect(server.stop() == 0)
    }
}

/// The backup families appear once a backup was taken.
@Suite struct BackupMetricsTests {
    @Test func backupAgeAndResultAreScraped() throws {
        let server = try ServerProcess()
        let before = try MetricsTests.scrape(server).text
        #expect(!before.contains("fazt_backup_"), "no backup yet: no family")
        let created = try server.api("POST", "/backups")
        #expect(created.status == 201, "\(created.text)")
        let after = try MetricsTests.scrape(server).text
        #expect(MetricsTests.value(after, "fazt_backup_last_success") == 1, "\(after.suffix(600))")
        #expect((MetricsTests.value(after, "fazt_backup_age_seconds") ?? -1) >= 0)
        #expect((MetricsTests.value(after, "fazt_backup_last_bytes") ?? 0) > 0)
    }
}
