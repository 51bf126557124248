import FaztAPI
import FaztStore
import FaztTestSupport
import Testing

@testable import FaztKernel

@Suite struct AIRegistryTests {
    let directory: TemporaryDirectory
    let store: Store
    let registry: AIRegistry

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        registry = AIRegistry(store: store, box: try SecretBox(databasePath: store.path))
    }

    @Test func validatesProviderNames() throws {
        for bad in ["", "OpenAI", "-x", "a_b", "a b", String(repeating: "a", count: 41), "é"] {
            let error = #expect(throws: KernelError.self) {
                try registry.addProvider(name: bad, type: "openai", baseURL: nil, key: nil)
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("lowercase letters, digits and '-'") == true)
        }
        try registry.addProvider(name: String(repeating: "a", count: 40), type: "openai", baseURL: nil, key: nil)
        try registry.addProvider(name: "0-local", type: "openai-compatible", baseURL: "http://127.0.0.1:1/v1", key: nil)
    }

    @Test func validatesTypesAndBaseURLs() throws {
        let type = #expect(throws: KernelError.self) {
            try registry.addProvider(name: "x", type: "mistral", baseURL: nil, key: nil)
        }
        #expect(type?.message.contains("openai, openai-compatible, anthropic, gemini") == true)
        let needsURL = #expect(throws: KernelError.self) {
            try registry.addProvider(name: "x", type: "openai-compatible", baseURL: nil, key: nil)
        }
        #expect(needsURL?.message.contains("needs --base-url") == true)
        for bad in ["ftp://host", "localhost:11434", "http://", "http://h/v1?x=1"] {
            #expect(throws: KernelError.self) {
                try registry.addProvider(name: "x", type: "openai", baseURL: bad, key: nil)
            }
        }
        let credential = #expect(throws: KernelError.self) {
            try registry.addProvider(name: "x", type: "openai", baseURL: "https://me:hunter22@host/v1", key: nil)
        }
        #expect(credential?.message.contains("user name or password") == true)
        #expect(credential?.message.contains("hunter22") == false)

        #expect(
            try registry.addProvider(name: "o", type: "openai", baseURL: "", key: nil).baseURL
                == "https://api.openai.com/v1"
        )
        #expect(
            try registry.addProvider(name: "a", type: "ANTHROPIC", baseURL: nil, key: nil).baseURL
                == "https://api.anthropic.com"
        )
        #expect(
            try registry.addProvider(name: "g", type: "gemini", baseURL: nil, key: nil).baseURL
                == "https://generativelanguage.googleapis.com"
        )
        let local = try registry.addProvider(
            name: "l",
            type: "openai-compatible",
            baseURL: "http://10.0.0.2:8080/v1/",
            key: nil
        )
        #expect(local.baseURL == "http://10.0.0.2:8080/v1")
    }

    @Test func sealsKeysAndListsOnlyWhetherOneIsSet() throws {
        let key = "sk-test-ROUNDTRIP-0123456789"
        let added = try registry.addProvider(name: "openai", type: "openai", baseURL: nil, key: key)
        #expect(added.keySet)
        try registry.addProvider(
            name: "ollama",
            type: "openai-compatible",
            baseURL: "http://127.0.0.1:11434/v1",
            key: nil
        )
        #expect(try registry.providers().map(\.keySet) == [false, true])
        #expect(try registry.credentials(provider: "openai")?.key == key)
        #expect(try registry.credentials(provider: "ollama")?.key == nil)
        #expect(try registry.credentials(provider: "none") == nil)
        let stored = try store.read {
            try $0.queryOne("SELECT key FROM ai_providers WHERE name = 'openai'") { $0.bytes(0) }
        }
        let bytes = try #require(stored)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("ROUNDTRIP"))
        // A sealed key moved to another provider's row does not open.
        try registry.addProvider(name: "other", type: "openai", baseURL: nil, key: "x-other-key")
        _ = try store.writeBlocking {
            try $0.run("UPDATE ai_providers SET key = ? WHERE name = 'other'", [.blob(bytes)])
        }
        #expect(throws: KernelError.self) { try registry.credentials(provider: "other") }
    }

    @Test func refusesRemovingAProviderThatModelsUse() throws {
        try registry.addProvider(name: "openai", type: "openai", baseURL: nil, key: "k-123456")
        try registry.addModel(AIModelBody(alias: "fast", provider: "openai", model: "gpt-4o-mini"))
        try registry.addModel(AIModelBody(alias: "smart", provider: "openai", model: "gpt-4o"))
        let error = #expect(throws: KernelError.self) { try registry.removeProvider("openai") }
        #expect(error?.message.contains("fast, smart") == true)
        #expect(try registry.removeModel("fast"))
        #expect(try registry.removeModel("smart"))
        #expect(try !registry.removeModel("smart"))
        #expect(try registry.removeProvider("openai"))
        #expect(try !registry.removeProvider("openai"))
    }

    @Test func modelsNeedAProviderAndValidValues() throws {
        let missing = #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "fast", provider: "nope", model: "m"))
        }
        #expect(missing?.message.contains("fazt ai provider add nope") == true)
        try registry.addProvider(name: "p", type: "openai", baseURL: nil, key: nil)
        #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "Fast", provider: "p", model: "m"))
        }
        #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "f", provider: "p", model: "a b"))
        }
        let price = #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "f", provider: "p", model: "m", inputPrice: -1))
        }
        #expect(price?.message.contains("USD per million tokens") == true)
        let stored = try registry.addModel(
            AIModelBody(
                alias: "f",
                provider: "p",
                model: "m",
                inputPrice: 0.15,
                outputPrice: 0.6,
                cacheReadPrice: 0.075
            )
        )
        #expect(stored.inputPrice == 0.15 && stored.outputPrice == 0.6 && stored.cacheReadPrice == 0.075)
        #expect(stored.cacheWritePrice == nil)
    }

    @Test func refusesFallbackCyclesAndUnknownFallbacks() throws {
        try registry.addProvider(name: "p", type: "openai", baseURL: nil, key: nil)
        let unknown = #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "a", provider: "p", model: "m", fallback: "b"))
        }
        #expect(unknown?.message.contains("no model alias 'b'") == true)
        let selfLoop = #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "a", provider: "p", model: "m", fallback: "a"))
        }
        #expect(selfLoop?.message.contains("itself") == true)
        try registry.addModel(AIModelBody(alias: "c", provider: "p", model: "m"))
        try registry.addModel(AIModelBody(alias: "b", provider: "p", model: "m", fallback: "c"))
        try registry.addModel(AIModelBody(alias: "a", provider: "p", model: "m", fallback: "b"))
        let cycle = #expect(throws: KernelError.self) {
            try registry.addModel(AIModelBody(alias: "c", provider: "p", model: "m", fallback: "a"))
        }
        #expect(cycle?.message.contains("c → a → b → c") == true)
        #expect(try registry.model("c")?.fallback == nil)
        let inUse = #expect(throws: KernelError.self) { try registry.removeModel("b") }
        #expect(inUse?.message.contains("fallback of a") == true)
    }

    @Test func keepsOneDefault() throws {
        try registry.addProvider(name: "p", type: "openai", baseURL: nil, key: nil)
        try registry.addModel(AIModelBody(alias: "a", provider: "p", model: "m", isDefault: true))
        try registry.addModel(AIModelBody(alias: "b", provider: "p", model: "m"))
        #expect(try registry.defaultModel()?.alias == "a")
        #expect(try registry.setDefault("b"))
        #expect(try registry.models().filter(\.isDefault).map(\.alias) == ["b"])
        try registry.addModel(AIModelBody(alias: "a", provider: "p", model: "m2", isDefault: true))
        #expect(try registry.models().filter(\.isDefault).map(\.alias) == ["a"])
        #expect(try !registry.setDefault("zzz"))
    }
}
