import FaztStore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `livez`, `readyz` and `metrics`: answered on the owner's domain (`/_fazt/...`) and on the
/// `--metrics-listen` listener (`/...`).
enum OpsEndpoints {
    /// How long `readyz` waits for the database writer to commit an empty transaction.
    static let writerTimeout: TimeAmount = .seconds(1)

    /// The process is up and its event loops answer: no dependency is checked (a failing `livez`
    /// means "restart me").
    static func livez() -> Response {
        noStore(.text(.ok, "ok\n"))
    }

    /// 200 when the server can take traffic, else 503 naming the failing checks.
    ///
    /// Ready means: not shutting down, the database writer commits, and JavaScript workers can
    /// start. `?verbose` lists every check.
    static func readyz(services: ServerServices, query: String?, on loop: any EventLoop) -> EventLoopFuture<Response> {
        let verbose = query?.split(separator: "&").contains { $0 == "verbose" || $0.hasPrefix("verbose=") } ?? false
        if services.isDraining {
            // Answered at once: the point is to fail before the listener closes.
            return loop.makeSucceededFuture(
                report([("shutdown", "the server is shutting down")], passed: [], verbose: true)
            )
        }
        let promise = loop.makePromise(of: String?.self)
        let answered = FirstAnswer()
        let timeout = loop.scheduleTask(in: writerTimeout) {
            if answered.claim() {
                promise.succeed("the database writer did not commit within 1 s")
            }
        }
        services.store.apply(
            { _ in },
            applied: { result, _ in
                guard answered.claim() else { return }
                timeout.cancel()
                switch result {
                case .success: promise.succeed(nil)
                case .failure(let error): promise.succeed("the database is not writable: \(error)")
                }
            }
        )
        let supervisor = services.supervisor
        return promise.futureResult.map { databaseProblem in
            var failed: [(String, String)] = []
            var passed: [String] = ["shutdown"]
            if let databaseProblem { failed.append(("database", databaseProblem)) } else { passed.append("database") }
            if supervisor.canStartWorkers {
                passed.append("workers")
            } else {
                failed.append(("workers", "JavaScript workers cannot start (shutting down, or the executable is gone)"))
            }
            // A draining flag set while the database was checked wins.
            if services.isDraining {
                return report([("shutdown", "the server is shutting down")], passed: [], verbose: true)
            }
            return report(failed, passed: passed, verbose: verbose)
        }
    }

    /// The Prometheus text exposition of every registered family.
    static func metrics(services: ServerServices, on loop: any EventLoop) -> EventLoopFuture<Response> {
        services.metrics.render(pool: services.threadPool, on: loop).map { bytes in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: PrometheusText.contentType)
            headers.add(name: "Cache-Control", value: "no-store")
            return Response(status: .ok, headers: headers, body: ByteBuffer(bytes: bytes))
        }
    }

    /// `GET`/`HEAD` only; nil when the method is fine.
    static func methodProblem(_ method: HTTPMethod) -> Response? {
        guard method != .GET && method != .HEAD else { return nil }
        var response = Response.text(.methodNotAllowed, "use GET (or HEAD) on this path\n")
        response.headers.add(name: "Allow", value: "GET, HEAD")
        return response
    }

    private static func report(_ failed: [(String, String)], passed: [String], verbose: Bool) -> Response {
        var text = ""
        if verbose || !failed.isEmpty {
            for name in passed { text += "[+] \(name) ok\n" }
            for (name, problem) in failed { text += "[-] \(name) failed: \(problem)\n" }
        }
        text += failed.isEmpty ? "ok\n" : "not ready\n"
        return noStore(.text(failed.isEmpty ? .ok : .serviceUnavailable, text))
    }

    private static func noStore(_ response: Response) -> Response {
        var response = response
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }
}

/// Lets only the first of two racing completions through (a reply or its timeout).
private final class FirstAnswer: Sendable {
    private let taken = Atomic<Bool>(false)

    /// True exactly once.
    func claim() -> Bool {
        !taken.exchange(true, ordering: .relaxed)
    }
}
