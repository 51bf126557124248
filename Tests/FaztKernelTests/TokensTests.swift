import FaztStore
import FaztTestSupport
import Testing

@testable import FaztKernel

/// Token format, scopes, app lists and expiry.
@Suite struct TokensTests {
    let directory: TemporaryDirectory
    let store: Store
    let clock = TestClock(1_000_000)
    let tokens: Tokens

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        let clock = self.clock
        tokens = Tokens(store: store, clock: { clock.value })
    }

    @Test func tokensCarryAChecksumThatCatchesTypos() throws {
        let (token, info) = try tokens.create(name: "cli")
        #expect(token.utf8.count == 60 && token.hasPrefix("fzt_"))
        #expect(Tokens.isWellFormed(token))
        #expect(info.isOwner)
        #expect(try tokens.verify(token)?.id == info.id)
        // One changed digit breaks the checksum: refused before any lookup.
        let last = token.last == "0" ? "1" : "0"
        let typo = String(token.dropLast()) + last
        #expect(!Tokens.isWellFormed(typo))
        #expect(try tokens.verify(typo) == nil)
        #expect(!Tokens.isWellFormed("fzt_xyz"))
        // Tokens made before the checksum (48 hex digits) still verify.
        let legacy = "fzt_" + String(repeating: "ab", count: 24)
        try store.writeBlocking { connection in
            try connection.run(
                "INSERT INTO tokens (id, name, hash, created_at) VALUES ('tok_old', 'old', ?, 0)",
                [.blob(Tokens.hash(legacy))]
            )
        }
        #expect(try tokens.verify(legacy)?.name == "old")
    }

    @Test func scopedTokensReachTheirAppsWithTheirScopes() throws {
        let grant = try TokenGrant(
            apps: ["blog"],
            scopes: TokenScope.Preset.build.scopes,
            lifetimeMs: nil,
            now: 1_000_000
        )
        let (token, _) = try tokens.create(name: "claude", grant: grant)
        let info = try #require(try tokens.verify(token))
        #expect(!info.isOwner && info.apps == ["blog"])
        #expect(info.expiresAt == 1_000_000 + Tokens.defaultScopedLifetimeMs)
        #expect(info.allows(.appsRead, app: "blog") && info.allows(.appsWrite, app: "blog"))
        #expect(!info.allows(.appsDeploy, app: "blog"))
        #expect(!info.allows(.appsRead, app: "shop"))
        #expect(info.allows(.storageRead, app: "blog") && !info.allows(.storageWrite, app: "blog"))

        let all = try TokenGrant(apps: ["*", "x"], scopes: [.storageAdmin], lifetimeMs: 1000, now: 0)
        #expect(all.apps == ["*"])
        let (adminToken, _) = try tokens.create(name: "admin", grant: all)
        clock.value = 0
        let admin = try #require(try tokens.verify(adminToken))
        #expect(admin.allows(.storageRead, app: "anything") && admin.allows(.storageWrite, app: "shop"))
        #expect(!admin.allows(.appsRead, app: "shop"))
    }

    @Test func expiredTokensAreRefusedAndUseIsRecorded() throws {
        let grant = try TokenGrant(apps: ["blog"], scopes: [.appsRead], lifetimeMs: 60_000, now: 1_000_000)
        let (token, info) = try tokens.create(name: "short", grant: grant)
        #expect(try tokens.verify(token) != nil)
        clock.value += 59_999
        #expect(try tokens.verify(token) != nil)
        clock.value += 1
        #expect(try tokens.verify(token) == nil)
        try store.writeBlocking { _ in }  // the use was recorded in an earlier group
        let used = try tokens.list().first { $0.id == info.id }?.lastUsedAt
        #expect(used == 1_000_000)
    }

    @Test func grantsRefuseWhatCannotWork() throws {
        #expect(throws: KernelError.self) { try TokenGrant(apps: [], scopes: [.appsRead], lifetimeMs: nil, now: 0) }
        #expect(throws: KernelError.self) { try TokenGrant(apps: ["blog"], scopes: [], lifetimeMs: nil, now: 0) }
        #expect(throws: KernelError.self) {
            try TokenGrant(apps: ["Bad Name"], scopes: [.appsRead], lifetimeMs: nil, now: 0)
        }
        #expect(throws: KernelError.self) {
            try TokenGrant(apps: ["blog"], scopes: [.appsRead], lifetimeMs: Tokens.maxScopedLifetimeMs + 1, now: 0)
        }
        #expect(throws: KernelError.self) { try TokenScope.parseList("apps:read,apps:fly") }
        #expect(try TokenScope.parseList("apps:read, logs:read,apps:read") == [.appsRead, .logsRead])
    }
}
