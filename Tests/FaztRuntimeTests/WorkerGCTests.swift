import FaztTestSupport
import Foundation
import Testing

@testable import FaztRuntime

/// Arguments handed to JavaScript stay alive while the next one is created.
///
/// Once the handler was compiled by the JIT, a large request (a 128 KB WebSocket message) made
/// the garbage collector run while the request string was created, and it collected the handler's
/// file name, held only in a Swift array: the worker then crashed in `JSRopeString::resolveRope`
/// (found by Autobahn 12.x, which echoes 128 KB messages after many small ones).
///
/// Only an optimized worker shows it (a debug build keeps the values on its stack too, where the
/// collector sees them): run with `FAZT_BINARY=.build/release/fazt` to check a release build.
@Suite struct WorkerGCTests {
    @Test(.timeLimit(.minutes(1)))
    func largeRequestsAfterManySmallOnesDoNotCrashTheWorker() async throws {
        let directory = try TemporaryDirectory()
        let dataPath = directory.path + "/data.db"
        let handler = """
            module.exports = (req) => ({ path: __filename + ':' + req.query.i, size: req.query.data.length });
            """
        try WorkerFixture.deploy(["api/main.js": handler], to: dataPath)
        let supervisor = WorkerFixture.supervisor(dataPath: dataPath)
        defer { supervisor.shutdown() }
        let small = String(repeating: "x", count: 1024)
        let large = String(repeating: "{[a:1], é ", count: 13_108)
        for index in 0..<120 {
            let data = index < 60 ? small : large
            let request =
                #"{"method":"GET","path":"/api","url":"http://demo/api","query":{"i":"\#(index)","data":"\#(data)"},"#
                + #""headers":{},"ip":""}"#
            let result = await supervisor.invoke(
                app: "demo",
                version: 1,
                file: "api/main.js",
                requestJSON: request,
                timeoutMs: 10_000
            )
            guard case .response(let response) = result else {
                Issue.record("invocation \(index) failed: \(result)")
                return
            }
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.contains(#""path":"api/main.js:\#(index)""#), "\(text.prefix(120))")
        }
    }
}
