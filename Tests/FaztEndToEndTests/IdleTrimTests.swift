import FaztTestSupport
import Foundation
import Testing

/// An idle server gives memory back and keeps serving afterwards.
@Suite struct IdleTrimTests {
    @Test func releasesIdleMemoryAndKeepsServing() throws {
        let server = try ServerProcess(arguments: ["--trim-after-idle", "1", "--log-level", "debug"])
        _ = try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "still here")]))
        #expect(try server.app("site", "/").text == "still here")
        // The trim logs a line; wait for that signal (bounded), not for a fixed time.
        let trimsBefore = server.stderr.components(separatedBy: "released idle memory").count - 1
        #expect(server.waitForStderr("released idle memory", occurrences: trimsBefore + 1, seconds: 20))
        #expect(try server.app("site", "/").text == "still here")
        #expect(try server.api("GET", "/apps/site").status == 200)
        #expect(server.stop() == 0)
    }
}
