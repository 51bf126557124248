import FaztStore
import FaztTestSupport
import Testing

@testable import FaztKernel

@Suite struct AppSecretsTests {
    let directory: TemporaryDirectory
    let store: Store
    let secrets: AppSecrets

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        secrets = AppSecrets(store: store, box: try SecretBox(databasePath: store.path))
    }

    @Test func storesValuesSealedAndListsOnlyNames() throws {
        try secrets.set(app: "blog", name: "HOOK_KEY", value: "s3cret")
        #expect(try secrets.value(app: "blog", name: "HOOK_KEY") == Array("s3cret".utf8))
        #expect(try secrets.value(app: "shop", name: "HOOK_KEY") == nil)
        #expect(try secrets.list(app: "blog").map(\.name) == ["HOOK_KEY"])
        let stored = try store.read { try $0.queryOne("SELECT value FROM secrets") { $0.bytes(0) } }
        #expect(stored.map { !String(decoding: $0, as: UTF8.self).contains("s3cret") } == true)
    }

    @Test func refusesEmptyValues() {
        let error = #expect(throws: KernelError.self) { try secrets.set(app: "blog", name: "KEY", value: "") }
        #expect(error?.code == .invalidArgument)
    }

    @Test func unsetsAndDeletesEveryNameOfAnApp() throws {
        try secrets.set(app: "blog", name: "A", value: "1")
        try secrets.set(app: "blog", name: "B", value: "2")
        #expect(try secrets.unset(app: "blog", name: "A"))
        #expect(try !secrets.unset(app: "blog", name: "A"))
        try store.writeBlocking { try AppSecrets.deleteAll($0, app: "blog") }
        #expect(try secrets.list(app: "blog").isEmpty)
    }
}
