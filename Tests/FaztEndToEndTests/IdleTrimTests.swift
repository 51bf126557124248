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
        let deadline = Date().addingTimeInterval(20)
        var trimmedAfterDeploy = false
        while Date() < deadline && !trimmedAfterDeploy {
            let lines = server.stderr.components(separatedBy: "\n")
            let deployed = lines.lastIndex { $0.contains("deployed") } ?? 0
            trimmedAfterDeploy = lines[deployed...].contains { $0.contains("released idle memory") }
            if !trimmedAfterDeploy { usleep(50_000) }
        }
        #expect(trimmedAfterDeploy)
        #expect(try server.app("site", "/").text == "still here")
        #expect(try server.api("GET", "/apps/site").status == 200)
        #expect(server.stop() == 0)
    }
}
