import FaztStore
import FaztTestSupport
import Testing

@testable import FaztKernel

@Suite struct AppEnvTests {
    let directory: TemporaryDirectory
    let env: AppEnv

    init() throws {
        directory = try TemporaryDirectory()
        env = AppEnv(store: try Store(path: directory.path + "/data.db"))
    }

    @Test func setsReplacesAndUnsetsKeysPerApp() async throws {
        try await env.set(app: "blog", key: "MODE", value: "draft")
        try await env.set(app: "blog", key: "MODE", value: "live")
        try await env.set(app: "shop", key: "MODE", value: "test")
        #expect(try env.list(app: "blog") == ["MODE": "live"])
        #expect(try await env.unset(app: "blog", key: "MODE"))
        #expect(try await !env.unset(app: "blog", key: "MODE"))
        #expect(try env.list(app: "shop") == ["MODE": "test"])
    }

    @Test func refusesValuesOver64KB() async throws {
        let error = await #expect(throws: KernelError.self) {
            try await env.set(app: "blog", key: "BIG", value: String(repeating: "x", count: 64 * 1024 + 1))
        }
        #expect(error?.code == .tooLarge)
    }

    @Test func acceptsOnlyIdentifierKeys() throws {
        #expect(try AppEnv.validate(key: "_API_KEY2") == "_API_KEY2")
        for bad in ["", "2FA", "A-B", "KEY ", String(repeating: "K", count: 129)] {
            let error = #expect(throws: KernelError.self) { try AppEnv.validate(key: bad) }
            #expect(error?.code == .invalidArgument)
        }
    }
}
