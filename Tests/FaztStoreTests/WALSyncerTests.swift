import Foundation
import Testing

@testable import FaztStore

@Suite struct WALSyncerTests {
    /// A commit made while a sync was being prepared is covered by that sync; whoever waits for
    /// it must hear so then, not at the next commit (which on an idle server never comes).
    @Test func waitersForEveryCoveredCommitFire() throws {
        let syncer = WALSyncer(databasePath: "/nonexistent/fazt-test.db", syncs: false)
        defer { syncer.stop() }
        for _ in 0..<50 {
            _ = syncer.didCommit()
            // Let the syncer pick up the first commit and enter its grouping window.
            usleep(200)
            let second = syncer.didCommit()
            let fired = DispatchSemaphore(value: 0)
            syncer.whenDurable(second) { fired.signal() }
            #expect(fired.wait(timeout: .now() + 2) == .success)
        }
    }
}
