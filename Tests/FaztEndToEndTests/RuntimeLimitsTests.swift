import FaztTestSupport
import Foundation
import Testing

/// Runaway handlers, memory caps and worker lifecycle, through the real binary.
@Suite struct RuntimeLimitsTests {
    struct Runaway: CustomTestStringConvertible, Sendable {
        var name: String
        var source: String
        var statuses: Set<Int>
        var testDescription: String { name }
    }

    static let runaways: [Runaway] = [
        Runaway(name: "while(true)", source: "module.exports = () => { while (true) {} };", statuses: [503]),
        Runaway(
            name: "endless promise chain",
            source:
                "module.exports = () => { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => {}); };",
            statuses: [503]
        ),
        Runaway(
            name: "async loop of await null",
            source: "module.exports = async () => { while (true) { await null; } };",
            statuses: [503]
        ),
        Runaway(
            name: "allocation bomb",
            source: "module.exports = () => { const keep = []; while (true) { keep.push(new Array(1e6).fill(7)); } };",
            statuses: [503]
        ),
        Runaway(
            name: "deep recursion",
            source: "const f = (n) => f(n + 1) + 1;\nmodule.exports = () => f(0);",
            statuses: [500]
        ),
        Runaway(
            name: "endless require recursion",
            source: "module.exports = () => require('./main.js')();",
            statuses: [500, 503]
        ),
        Runaway(
            name: "huge string",
            source: "module.exports = () => { let s = 'x'; while (true) { s = s + s; } };",
            statuses: [500, 503]
        ),
    ]

    @Test(arguments: runaways)
    func stopsRunawayHandlersWhileOtherAppsKeepAnswering(_ runaway: Runaway) throws {
        let server = try ServerProcess(arguments: ["--js-timeout-ms", "1500", "--worker-memory-mb", "160"])
        _ = try server.deploy("bad", try ArchiveFixtures.zip([js("api/main.js", runaway.source)]))
        _ = try server.deploy(
            "good",
            try ArchiveFixtures.zip([js("api/main.js", "module.exports = () => ({ ok: true });")])
        )
        #expect(try server.app("good", "/api").json["ok"] as? Bool == true)
        let stuck = try TestConnection(port: server.port)
        try stuck.sendRequest("GET", "/api", host: "bad.localhost")
        // While the runaway runs, another app answers (its own worker).
        let other = try server.app("good", "/api")
        #expect(other.json["ok"] as? Bool == true)
        let response = try stuck.readResponse()
        #expect(runaway.statuses.contains(response.status), "\(runaway.name): \(response.status) \(response.text)")
        #expect(response.json["error"] is String)
        // The server and the runtime recover: both apps answer afterwards.
        #expect(try server.app("good", "/api").json["ok"] as? Bool == true)
        #expect(server.isRunning)
    }

    @Test func startsWorkersOnDemandAndRetiresThemWhenIdle() throws {
        let server = try ServerProcess(arguments: ["--worker-idle-seconds", "1"])
        // Bounded wait for idle exits (there is no other signal than the processes going away).
        func waitForNoWorkers() -> [Int32] {
            var children = server.childProcesses
            for _ in 0..<500 where !children.isEmpty {
                usleep(20_000)
                children = server.childProcesses
            }
            return children
        }
        #expect(server.childProcesses.isEmpty, "no JavaScript runs before there is any")
        // The deploy's syntax check runs in a worker, which retires when idle.
        _ = try server.deploy("idle", try ArchiveFixtures.zip([js("api/main.js", "module.exports = () => 'hi';")]))
        #expect(waitForNoWorkers().isEmpty)
        #expect(try server.app("idle", "/api").text == "hi")
        #expect(server.childProcesses.count == 1)
        #expect(waitForNoWorkers().isEmpty)
        #expect(try server.app("idle", "/api").text == "hi")
    }

    @Test func capsMemoryPerAppFromTheManifest() throws {
        let server = try ServerProcess(arguments: ["--js-timeout-ms", "15000"])
        let files = [
            js(
                "api/main.js",
                "module.exports = () => { const keep = []; while (true) { keep.push(new Array(1e6).fill(7)); } };"
            ),
            ArchiveFixtures.file("fazt.json", #"{"limits": {"memoryMB": 96}}"#),
        ]
        _ = try server.deploy("hungry", try ArchiveFixtures.zip(files))
        let response = try server.app("hungry", "/api")
        #expect(response.status == 503)
        #expect((response.json["error"] as? String)?.contains("memory") == true, "\(response.text)")
    }

    @Test func evictsTheLeastRecentlyUsedContext() throws {
        // One worker, so every app shares its context cache (64 contexts).
        let server = try ServerProcess(arguments: ["--max-workers", "1"])
        let counter = "let n = 0; module.exports = () => ++n;"
        for index in 0...64 {
            _ = try server.deploy("lru\(index)", try ArchiveFixtures.zip([js("api/main.js", counter)]))
        }
        #expect(try server.app("lru0", "/api").text == "1")
        #expect(try server.app("lru0", "/api").text == "2", "a warm context keeps module state")
        for index in 1...64 { _ = try server.app("lru\(index)", "/api") }
        // 64 other apps used since: lru0's context was the least recently used and is gone.
        #expect(try server.app("lru0", "/api").text == "1")
        #expect(try server.app("lru64", "/api").text == "2")
    }

    @Test func aWorkerServingManyAppsStaysUnderItsMemoryCap() throws {
        // One worker with a 160 MB cap hosts 100 apps whose contexts hold ~2 MB each: together far
        // over the cap. Past half the cap the worker asks to be replaced between requests; it must
        // never be killed in the middle of one.
        let server = try ServerProcess(arguments: ["--max-workers", "1", "--worker-memory-mb", "160"])
        let heavy = """
            const keep = Array.from({ length: 40000 }, (_, i) => 'item ' + i);
            module.exports = () => 'ok ' + keep.length;
            """
        for index in 0..<100 {
            _ = try server.deploy("heavy\(index)", try ArchiveFixtures.zip([js("api/main.js", heavy)]))
        }
        var failures: [String] = []
        for round in 0..<2 {
            for index in 0..<100 {
                let response = try server.app("heavy\(index)", "/api")
                if response.text != "ok 40000" { failures.append("round \(round) app \(index): \(response.text)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(server.stderr.contains("replacing a JavaScript worker over its memory budget"))
        #expect(!server.stderr.contains("reason=memory"), "no worker was killed for its memory")
        // A replaced worker exits once its last request is answered, which may be just after the
        // last response arrived here: wait for it (bounded) rather than read the count once.
        let deadline = ContinuousClock.now + .seconds(5)
        while server.childProcesses.count > 1, ContinuousClock.now < deadline { usleep(20_000) }
        #expect(server.childProcesses.count <= 1)
    }

    @Test func aBudgetBelowAFreshWorkerDoesNotReplaceEveryWorker() throws {
        // What a fresh worker owns after its first requests (its heap; the executable's pages are
        // shared and not counted) depends on the build: measure it, then set a cap whose half —
        // the budget past which a worker asks to be replaced — is below it. Replacing a worker
        // that has not grown would start a new process for nearly every request.
        let fresh = try {
            let server = try ServerProcess(arguments: ["--max-workers", "1"])
            _ = try server.deploy("small", try ArchiveFixtures.zip([js("api/main.js", "module.exports = () => 'ok';")]))
            for _ in 0..<16 { _ = try server.app("small", "/api") }
            return try #require(server.childProcesses.first.map(Self.ownMemory))
        }()
        let capMB = max(2, 2 * (fresh >> 20) - 1)
        let server = try ServerProcess(arguments: ["--max-workers", "1", "--worker-memory-mb", "\(capMB)"])
        _ = try server.deploy("small", try ArchiveFixtures.zip([js("api/main.js", "module.exports = () => 'ok';")]))
        for _ in 0..<100 { #expect(try server.app("small", "/api").text == "ok") }
        let own = try #require(server.childProcesses.first.map(Self.ownMemory))
        #expect(own > (capMB << 20) / 2, "the budget (half of \(capMB) MB) is below what the worker uses")
        // Without the growth rule every worker would ask after its first request. With it, a
        // worker is replaced only once its heap grew (by a quarter of the budget: a few times in
        // 100 requests at most with a budget this small) — and never killed mid-request.
        let replaced = server.stderr.components(separatedBy: "replacing a JavaScript worker").count - 1
        #expect(replaced <= 5, "\(replaced) workers replaced in 100 requests")
        #expect(!server.stderr.contains("reason=memory"))
    }

    /// Resident bytes a process owns (`/proc/PID/statm`: resident − shared pages).
    static func ownMemory(_ pid: Int32) -> Int {
        let fields = ((try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { Int($0) }
        return fields.count > 2 ? (fields[1] - fields[2]) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
