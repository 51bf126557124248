import FaztScheduler
import Testing

@Suite struct EventPatternTests {
    @Test func starMatchesOneSegmentAndDoubleStarTheRest() throws {
        let one = try EventPattern("order.*", app: "shop")
        #expect(one.text == "app:shop.order.*")
        #expect(one.matches("app:shop.order.created"))
        #expect(!one.matches("app:shop.order.created.late"))
        #expect(!one.matches("app:shop.order"))
        #expect(!one.matches("app:other.order.created"))
        let rest = try EventPattern("app:shop.**", app: "audit")
        #expect(rest.matches("app:shop.order.created.late") && rest.matches("app:shop.x"))
        #expect(!rest.matches("app:shop"))
        let system = try EventPattern("system.job.failed", app: "shop")
        #expect(system.text == "system.job.failed" && system.matches("system.job.failed"))
        let anyApp = try EventPattern("*.order.created", app: "spy")
        #expect(anyApp.matches("app:shop.order.created"))
    }

    @Test func rejectsBadPatternsAndTypes() {
        for bad in ["", "a..b", "**.x", "a.**.b", "order created", "app:Shop.x"] {
            #expect(throws: EventError.self, "\(bad)") { try EventPattern(bad, app: "shop") }
        }
        #expect(throws: EventError.self) { try EventType.namespaced("a..b", app: "shop") }
        #expect(throws: EventError.self) { try EventType.namespaced("", app: "shop") }
        #expect((try? EventType.namespaced("webhook.github", app: "shop")) == "app:shop.webhook.github")
    }
}
