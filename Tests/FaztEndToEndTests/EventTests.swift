import FaztStore
import FaztTestSupport
import Foundation
import Testing

/// `fazt.events`: emit, manifest and API subscriptions, permissions + grants, system events, query.
@Suite struct EventTests {
    static let shop = [
        ArchiveFixtures.file(
            "fazt.json",
            #"{"events": {"order.created": "handlers/order.js", "system.app.deployed": "handlers/system.js", "system.job.failed": "handlers/system.js"}}"#
        ),
        js(
            "api/buy.js",
            "module.exports = (req) => fazt.events.emit('order.created', { sku: req.query.sku }, { persist: req.query.persist === '1' });"
        ),
        js("api/query.js", "module.exports = (req) => fazt.events.query({ type: req.query.type, limit: 10 });"),
        js("api/fail.js", "module.exports = () => fazt.schedule(0, null, { handler: 'jobs/fail.js', retries: 0 });"),
        js("jobs/fail.js", "exports.scheduled = () => { throw new Error('no stock'); };"),
        js("handlers/order.js", "exports.event = (event) => { fazt.kv.set('got:' + event.data.sku, event); };"),
        js("handlers/system.js", "exports.event = (event) => { fazt.kv.set('sys:' + event.type, event.data); };"),
    ]

    static func audit(permission: Bool) -> [ArchiveFixtures.Entry] {
        var files = [
            js(
                "api/subscribe.js",
                """
                module.exports = (req) => {
                  try { return { ok: fazt.events.on(req.query.pattern, 'handlers/audit.js') }; }
                  catch (e) { return { code: e.code, message: e.message }; }
                };
                """
            ),
            js("api/off.js", "module.exports = (req) => ({ off: fazt.events.off(req.query.pattern) });"),
            js("api/query.js", "module.exports = (req) => fazt.events.query({ type: req.query.type, limit: 10 });"),
            js("handlers/audit.js", "exports.event = (event) => { fazt.kv.incr('seen:' + event.data.sku); };"),
        ]
        if permission { files.append(ArchiveFixtures.file("fazt.json", #"{"permissions": ["events:app:shop.*"]}"#)) }
        return files
    }

    static func kv(_ server: ServerProcess, _ app: String, _ key: String) throws -> String? {
        try Connection(path: server.dataPath, readOnly: true).queryOne(
            "SELECT value FROM kv WHERE app = ? AND key = ?",
            [.text(app), .text(key)]
        ) {
            $0.string(0)
        }
    }

    static func waitForKey(_ server: ServerProcess, _ app: String, _ key: String) -> Bool {
        SchedulerTests.waitFor(server, seconds: 15) { _ in try Self.kv(server, app, key) != nil }
    }

    @Test func emitDeliversToManifestSubscriptionsWithSystemEventsAndQuery() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("shop", try ArchiveFixtures.zip(Self.shop)).status == 201)
        #expect(
            Self.waitForKey(server, "shop", "sys:system.app.deployed"),
            "system.app.deployed reaches the app itself"
        )
        #expect(try Self.kv(server, "shop", "sys:system.app.deployed")?.contains(#""app":"shop""#) == true)

        let emitted = try server.app("shop", "/api/buy?sku=A1&persist=1").json
        #expect(
            emitted["type"] as? String == "app:shop.order.created"
                && (emitted["id"] as? String)?.hasPrefix("evt_") == true
        )
        #expect(Self.waitForKey(server, "shop", "got:A1"))
        let event =
            try JSONSerialization.jsonObject(with: Data((try Self.kv(server, "shop", "got:A1") ?? "{}").utf8))
            as? [String: Any] ?? [:]
        #expect(event["type"] as? String == "app:shop.order.created" && event["source"] as? String == "shop")
        #expect(
            (event["data"] as? [String: Any])?["sku"] as? String == "A1" && event["time"] is Int
                && event["id"] as? String == emitted["id"] as? String
        )

        // Not persisted: delivered but not queryable.
        _ = try server.app("shop", "/api/buy?sku=B2")
        #expect(Self.waitForKey(server, "shop", "got:B2"))
        let queried =
            try JSONSerialization.jsonObject(with: Data(try server.app("shop", "/api/query?type=order.*").body))
            as? [[String: Any]] ?? []
        #expect(queried.count == 1 && queried.first?["id"] as? String == emitted["id"] as? String)
        let system =
            try JSONSerialization.jsonObject(with: Data(try server.app("shop", "/api/query?type=system.**").body))
            as? [[String: Any]] ?? []
        #expect(system.contains { $0["type"] as? String == "system.app.deployed" })

        // A dead job emits system.job.failed about the app.
        _ = try server.app("shop", "/api/fail")
        #expect(Self.waitForKey(server, "shop", "sys:system.job.failed"))
        #expect(try Self.kv(server, "shop", "sys:system.job.failed")?.contains("no stock") == true)

        // The control API and the CLI show the persisted events.
        let listed =
            try server.api("GET", "/apps/shop/events?type=order.created").json["events"] as? [[String: Any]] ?? []
        #expect(listed.count == 1)
        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let (status, output, _) = try ServerProcess.runCLI(["events", "shop"], environment: env)
        #expect(status == 0 && output.contains("app:shop.order.created") && output.contains("system.job.failed"))
    }

    @Test func anotherAppsEventsNeedThePermissionAndTheGrant() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("shop", try ArchiveFixtures.zip(Self.shop)).status == 201)
        #expect(try server.deploy("audit", try ArchiveFixtures.zip(Self.audit(permission: false))).status == 201)
        #expect(try server.deploy("spy", try ArchiveFixtures.zip(Self.audit(permission: false))).status == 201)
        // Without the manifest permission, subscribing to shop's events is refused.
        let refused = try server.app("audit", "/api/subscribe?pattern=app:shop.order.*").json
        #expect(
            refused["code"] as? String == "PERMISSION_DENIED"
                && (refused["message"] as? String)?.contains("fazt grant audit") == true
        )
        // A wildcard over all apps may be subscribed, but sees only the app's own events.
        #expect(try server.app("spy", "/api/subscribe?pattern=*.order.created").json["ok"] as? Bool == true)

        // With the permission declared, the subscription is accepted, but nothing arrives before the grant.
        #expect(try server.deploy("audit", try ArchiveFixtures.zip(Self.audit(permission: true))).status == 201)
        #expect(try server.app("audit", "/api/subscribe?pattern=app:shop.order.*").json["ok"] as? Bool == true)
        _ = try server.app("shop", "/api/buy?sku=X")
        #expect(Self.waitForKey(server, "shop", "got:X"))
        #expect(try Self.kv(server, "audit", "seen:X") == nil, "no grant yet")

        let env = ["FAZT_SERVER": "http://127.0.0.1:\(server.port)", "FAZT_TOKEN": try server.token()]
        let (granted, text, _) = try ServerProcess.runCLI(["grant", "audit", "events:app:shop.*"], environment: env)
        #expect(granted == 0 && text.contains("granted events:app:shop.*"))
        _ = try server.app("shop", "/api/buy?sku=Y&persist=1")
        #expect(Self.waitForKey(server, "audit", "seen:Y"), "delivered after the grant")
        #expect(Self.waitForKey(server, "shop", "got:Y"))
        #expect(try Self.kv(server, "spy", "seen:Y") == nil, "a wildcard does not reach other apps' events")
        // query follows the same visibility as delivery.
        func queried(_ app: String, _ type: String) throws -> [[String: Any]] {
            let body = try server.app(app, "/api/query?type=" + type).body
            return try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] ?? []
        }
        #expect(try queried("audit", "app:shop.order.*").map { $0["type"] as? String } == ["app:shop.order.created"])
        func shops(_ events: [[String: Any]]) -> Int {
            events.filter { ($0["type"] as? String)?.hasPrefix("app:shop.") == true }.count
        }
        #expect(try shops(queried("audit", "**")) == 1, "a wildcard finds the granted app's events")
        #expect(try queried("spy", "app:shop.order.*").isEmpty)
        #expect(try shops(queried("spy", "**")) == 0)
        #expect(try queried("spy", "**").count >= 1, "but the app's own events")

        // Revoked: deliveries stop. off() removes the subscription.
        #expect(try ServerProcess.runCLI(["grant", "audit", "events:app:shop.*", "--revoke"], environment: env).0 == 0)
        _ = try server.app("shop", "/api/buy?sku=Z")
        #expect(Self.waitForKey(server, "shop", "got:Z"))
        #expect(try Self.kv(server, "audit", "seen:Z") == nil)
        #expect(try queried("audit", "app:shop.order.*").isEmpty, "revoking hides the events from query too")
        #expect(try server.app("audit", "/api/off?pattern=app:shop.order.*").json["off"] as? Bool == true)
    }
}
