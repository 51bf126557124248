import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// Job handlers that cannot run are refused when scheduled, and failures that another attempt
/// cannot fix go straight to `dead` instead of through every retry.
@Suite struct JobHandlerChecksTests {
    static let files = [
        js(
            "api/api.js",
            """
            module.exports = (req) => {
              try {
                return fazt.schedule(0, null, { handler: req.query.handler, retries: 3, backoff: 20 });
              } catch (e) { return { code: e.code, message: e.message }; }
            };
            """
        ),
        js("api/routes.js", "exports.GET = () => fazt.schedule(10, 1);"),
        ArchiveFixtures.file("fazt.json", #"{"debug": true}"#),
        js("jobs/http.js", "exports.GET = () => 'not a job';"),
        js("jobs/broken.js", "exports.scheduled = () => {\n  return (;\n};"),
        js("jobs/needs.js", "const gone = require('./gone');\nexports.scheduled = () => gone();"),
        js("jobs/flaky.js", "exports.scheduled = () => { throw new Error('flaky'); };"),
    ]

    @Test func schedulingAHandlerWithoutScheduledFailsAtOnce() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("jobs", try ArchiveFixtures.zip(Self.files)).status == 201)
        let refused = try server.app("jobs", "/api/api?handler=jobs/http.js").json
        #expect(refused["code"] as? String == "INVALID_ARGUMENT")
        #expect(
            refused["message"] as? String
                == "schedule: jobs/http.js does not export scheduled(): add module.exports = { async scheduled(state, job) { … } }"
        )
        // The default handler is the calling file, here an HTTP handler with no scheduled().
        let own = try server.app("jobs", "/api/routes")
        #expect(own.status == 500)
        #expect((own.json["error"] as? String)?.contains("api/routes.js does not export scheduled()") == true)
        let connection = try Connection(path: server.dataPath, readOnly: true)
        #expect(try SchedulerTests.count(connection, "SELECT COUNT(*) FROM jobs") == 0)
    }

    @Test func handlersThatCannotRunDieWithoutRetries() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("jobs", try ArchiveFixtures.zip(Self.files)).status == 201)
        var ids: [String: Int] = [:]
        for name in ["broken", "needs", "flaky"] {
            ids[name] = try server.app("jobs", "/api/api?handler=jobs/\(name).js").json["id"] as? Int ?? -1
        }
        #expect(
            SchedulerTests.waitFor(server) {
                try SchedulerTests.count($0, "SELECT COUNT(*) FROM jobs WHERE status = 'dead'") == 3
            }
        )
        let connection = try Connection(path: server.dataPath, readOnly: true)
        func runs(_ name: String) throws -> [(outcome: String, error: String)] {
            try connection.query(
                "SELECT outcome, error FROM runs WHERE job = ? ORDER BY id",
                [.integer(Int64(ids[name] ?? -1))]
            ) { ($0.string(0), $0.optionalString(1) ?? "") }
        }
        let broken = try runs("broken")
        #expect(broken.map(\.outcome) == ["dead"], "a syntax error is not retried")
        #expect(broken.first?.error.hasPrefix("handler: ") == true, "\(broken)")
        let needs = try runs("needs")
        #expect(needs.map(\.outcome) == ["dead"], "a missing module is not retried")
        #expect(needs.first?.error.contains("Cannot find module './gone'") == true, "\(needs)")
        #expect(try runs("flaky").map(\.outcome) == ["retry", "retry", "retry", "dead"], "a throw is retried")
    }
}
