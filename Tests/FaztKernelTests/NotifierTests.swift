import FaztNet
import FaztScheduler
import FaztStore
import FaztTestSupport
import Logging
import Testing

@testable import FaztKernel

@Suite struct NotifierTests {
    let directory: TemporaryDirectory
    let store: Store
    let notifier: Notifier

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store(path: directory.path + "/data.db")
        let scheduler = Scheduler(store: store, clock: { 1_000 }, logger: Logger(label: "test"), fire: { _, _ in })
        notifier = Notifier(
            store: store,
            box: try SecretBox(databasePath: store.path),
            scheduler: scheduler,
            ratePerMinute: 10,
            retries: 4
        )
    }

    private func webhook(_ name: String) -> NotificationChannel {
        var channel = NotificationChannel(name: name, type: "webhook")
        channel.url = "https://hooks.example.com/secret-path"
        return channel
    }

    @Test func sealsChannelSettingsAndListsOnlyNamesAndTypes() throws {
        try notifier.addChannel(webhook("phone"))
        #expect(try notifier.channels().map(\.name) == ["phone"])
        #expect(try notifier.channel(named: "phone") == webhook("phone"))
        let stored = try store.read { try $0.queryOne("SELECT config FROM channels") { $0.bytes(0) } }
        #expect(stored.map { !String(decoding: $0, as: UTF8.self).contains("secret-path") } == true)
        #expect(try notifier.removeChannel("phone"))
        #expect(try notifier.channel(named: "phone") == nil)
    }

    @Test func refusesBadChannelNamesAndIncompleteSettings() {
        for channel in [webhook("no spaces"), NotificationChannel(name: "x", type: "webhook")] {
            let error = #expect(throws: KernelError.self) { try notifier.addChannel(channel) }
            #expect(error?.code == .invalidArgument)
        }
    }

    @Test func recordsTheInboxEntryAndOneDeliveryJobPerChannel() throws {
        try notifier.addChannel(webhook("a"))
        try notifier.addChannel(webhook("b"))
        let item = NotificationMessage(
            id: 0,
            app: "blog",
            title: "Hi",
            body: nil,
            url: nil,
            priority: "high",
            tags: ["x"],
            createdAt: 5
        )
        let recorded = try store.writeBlocking { try Notifier.record($0, item, retries: 4) }
        #expect(recorded.jobs.count == 2)
        let inbox = try notifier.list(after: nil, limit: 10)
        #expect(inbox.map(\.title) == ["Hi"] && inbox.first?.tags == ["x"] && inbox.first?.id == recorded.id)
        #expect(try notifier.list(after: recorded.id, limit: 10).isEmpty)
        #expect(try notifier.list(after: nil, limit: 10, app: "shop").isEmpty)
    }
}
