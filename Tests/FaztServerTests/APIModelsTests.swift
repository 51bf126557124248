import FaztAPI
import FaztNet
import FaztScheduler
import FaztVFS
import Foundation
import Testing

@testable import FaztServer

/// The wire bodies (FaztAPI) carry every field of the domain records they are built from, under
/// the same keys, so splitting them changed no JSON the CLI reads.
@Suite struct APIModelsTests {
    private func object(_ value: some Encodable) throws -> NSDictionary {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test func appBodyIsAppInfoPlusURL() throws {
        let json = #"{"name":"blog","version":3,"versions":4,"files":12,"bytes":3400,"createdAt":1,"updatedAt":2}"#
        let info = try decode(AppInfo.self, json)
        let body = try object(AppBody(info, url: "http://blog.localhost:8080"))
        let expected = try #require(try object(info).mutableCopy() as? NSMutableDictionary)
        expected["url"] = "http://blog.localhost:8080"
        #expect(body == expected)
    }

    @Test func appBodyLeavesOutAMissingLiveVersion() throws {
        let json = #"{"name":"blog","versions":0,"files":0,"bytes":0,"createdAt":1,"updatedAt":1}"#
        let body = AppBody(try decode(AppInfo.self, json), url: "u")
        #expect(try object(body)["version"] == nil)
        #expect(
            try decode(AppBody.self, String(decoding: try JSONEncoder().encode(body), as: UTF8.self)).version == nil
        )
    }

    @Test func versionBodyMatchesVersionInfo() throws {
        let json = """
            {"version":2,"parent":1,"files":3,"bytes":40,"source":"cli","message":"fix","createdAt":5,"live":true,
            "commit":"e69de29bb2d1d6434b8b29ae775ad8c2e48c5391","tags":["v1.0"]}
            """
        let info = try decode(VersionInfo.self, json)
        #expect(try object(VersionBody(info)) == object(info))
    }

    @Test func runBodyMatchesRun() throws {
        var run = Run(app: "blog", kind: "job", handler: "jobs/a.js", startedAt: 10, durationMs: 3, outcome: "retry")
        run.id = 7
        run.job = 42
        run.name = "nightly"
        run.attempt = 2
        run.error = "boom"
        run.output = "log line"
        #expect(try object(RunBody(run)) == object(run))
    }

    @Test func notificationBodyMatchesNotificationMessage() throws {
        let item = NotificationMessage(
            id: 9,
            app: "blog",
            title: "Hi",
            body: "there",
            url: "https://example.com",
            priority: "high",
            tags: ["a", "b"],
            channel: "phone",
            createdAt: 99
        )
        #expect(try object(NotificationBody(item)) == object(item))
    }
}
