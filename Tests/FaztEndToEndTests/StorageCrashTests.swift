import FaztStore
import FaztTestSupport
import Foundation
import Synchronization
import Testing

/// kill -9 in the middle of a stream of storage writes: nothing acknowledged may be lost.
@Suite struct StorageCrashTests {
    static let files = [
        js(
            "api/write.js",
            """
            module.exports = (req) => {
              const n = fazt.kv.incr("counter");
              const id = fazt.docs.insert("log", { client: req.query.c, n });
              return { n, id };
            };
            """
        ),
        js(
            "api/verify.js",
            "module.exports = () => ({ counter: fazt.kv.get('counter'), ids: fazt.docs.find('log', {}, { limit: 10000 }).map((d) => d.id) });"
        ),
    ]

    private struct Acknowledged {
        var counters: [Int] = []
        var ids: [String] = []
    }

    @Test func acknowledgedWritesSurviveKill9() throws {
        var server = try ServerProcess()
        let directory = server.directory
        let token = try server.token()
        #expect(try server.deploy("crash", try ArchiveFixtures.zip(Self.files)).status == 201)
        var everything = Acknowledged()
        for run in 0..<10 {
            let port = server.port
            let acknowledged = Mutex(Acknowledged())
            let stop = Atomic<Bool>(false)
            let group = DispatchGroup()
            for client in 0..<4 {
                DispatchQueue.global().async(group: group) {
                    var sequence = 0
                    while !stop.load(ordering: .relaxed) {
                        sequence += 1
                        guard
                            let response = try? TestHTTP.request(
                                port: port,
                                "GET",
                                "/api/write?c=\(run)-\(client)-\(sequence)",
                                host: "crash.localhost"
                            ),
                            response.status == 200,
                            let n = response.json["n"] as? Int, let id = response.json["id"] as? String
                        else { continue }
                        acknowledged.withLock {
                            $0.counters.append(n)
                            $0.ids.append(id)
                        }
                    }
                }
            }
            // Let writes flow, then kill the server in the middle of them.
            let started = Date()
            while acknowledged.withLock({ $0.ids.count }) < 20 + run * 5, Date().timeIntervalSince(started) < 20 {
                usleep(2_000)
            }
            usleep(UInt32.random(in: 0...50_000))
            server.kill9()
            stop.store(true, ordering: .relaxed)
            group.wait()
            let acked = acknowledged.withLock { $0 }
            everything.counters += acked.counters
            everything.ids += acked.ids

            server = try ServerProcess(reuse: directory)
            let state = try TestHTTP.request(port: server.port, "GET", "/api/verify", host: "crash.localhost").json
            let counter = state["counter"] as? Int ?? -1
            let stored = Set(state["ids"] as? [String] ?? [])
            #expect(counter >= everything.counters.max() ?? 0, "run \(run): the counter went back")
            let lost = everything.ids.filter { !stored.contains($0) }
            #expect(lost.isEmpty, "run \(run): \(lost.count) acknowledged documents are missing")
            #expect(Set(everything.counters).count == everything.counters.count, "run \(run): a counter value repeated")
            let connection = try Connection(path: server.dataPath, readOnly: true)
            #expect(try connection.integrityCheck() == "ok")
        }
        #expect(everything.ids.count >= 200)
        _ = token
        #expect(server.stop() == 0)
    }

    /// SIGTERM while writes are in flight: every answered write is kept, the server exits 0, and
    /// no late answer is scheduled on a stopped event loop.
    @Test func aCleanStopDuringWritesLosesNothing() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("crash", try ArchiveFixtures.zip(Self.files)).status == 201)
        let port = server.port
        let acknowledged = Mutex<[String]>([])
        let group = DispatchGroup()
        let started = Atomic<Int>(0)
        for client in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for sequence in 0..<400 {
                    started.add(1, ordering: .relaxed)
                    guard
                        let response = try? TestHTTP.request(
                            port: port,
                            "GET",
                            "/api/write?c=\(client)-\(sequence)",
                            host: "crash.localhost"
                        ),
                        response.status == 200, let id = response.json["id"] as? String
                    else { return }
                    acknowledged.withLock { $0.append(id) }
                }
            }
        }
        while started.load(ordering: .relaxed) < 40 { usleep(1_000) }
        #expect(server.stop() == 0)
        group.wait()
        #expect(!server.stderr.contains("Cannot schedule tasks"), "\(server.stderr.suffix(2000))")
        let restarted = try ServerProcess(reuse: server.directory)
        let state = try TestHTTP.request(port: restarted.port, "GET", "/api/verify", host: "crash.localhost").json
        let stored = Set(state["ids"] as? [String] ?? [])
        let ids = acknowledged.withLock { $0 }
        #expect(!ids.isEmpty && ids.allSatisfy { stored.contains($0) })
        #expect(restarted.stop() == 0)
    }
}
