import FaztStore
import FaztTestSupport
import Testing

@testable import FaztKernel

@Suite struct OwnerSessionsTests {
    let directory: TemporaryDirectory
    let store: Store
    let sessions: OwnerSessions

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        sessions = OwnerSessions(store: store)
    }

    @Test func aSessionOpensOnlyTheAppItWasCreatedOn() throws {
        let id = try sessions.create(app: "notes")
        #expect(id.hasPrefix("fzs_"))
        #expect(try sessions.isValid(id, app: "notes"))
        #expect(try !sessions.isValid(id, app: "blog"))
        #expect(try !sessions.isValid("fzs_" + String(id.dropFirst(5)), app: "notes"))
    }

    @Test func storesOnlyTheHashOfTheID() throws {
        let id = try sessions.create(app: "notes")
        let stored = try store.read { try $0.queryOne("SELECT hash FROM owner_sessions") { $0.bytes(0) } }
        #expect(stored == OwnerSessions.hash(id))
    }
}
