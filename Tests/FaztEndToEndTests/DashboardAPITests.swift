import FaztTestSupport
import Foundation
import Testing

/// The control API routes the dashboard's views read: collections with a query, blobs as
/// downloads, realtime channels and sockets, recent deploys, health, job lateness, backup
/// downloads. Through the real binary.
@Suite struct DashboardAPITests {
    static let seed = ArchiveFixtures.file(
        "api/seed.js",
        """
        module.exports = () => {
          fazt.docs.insertMany("tasks", [{ id: "a", title: "write", done: false, n: 1 },
            { id: "b", title: "ship", done: true, n: 2 }, { id: "c", title: "rest", done: false, n: 3 }]);
          fazt.docs.insert("people", { name: "Ann" });
          fazt.blobs.put("img/page.html", "<script>alert(1)</script>", { type: "text/html" });
          fazt.blobs.put("notes/ünï.txt", "hello");
          fazt.schedule(0, { hi: 1 }, { handler: "jobs/tick.js" });
          return { ok: true };
        };
        """
    )
    static let tick = ArchiveFixtures.file("jobs/tick.js", "exports.scheduled = () => {};\n")

    @Test func collectionsAreListedAndQueried() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("notes", try ArchiveFixtures.zip([Self.seed, Self.tick])).status == 201)
        #expect(try server.app("notes", "/api/seed").status == 200)

        let listed = try server.api("GET", "/apps/notes/docs")
        #expect(listed.status == 200, "\(listed.text)")
        let collections = listed.json["collections"] as? [[String: Any]] ?? []
        #expect(
            collections.map { "\($0["name"] ?? "")=\($0["count"] ?? "")" } == ["people=1", "tasks=3"],
            "\(listed.text)"
        )

        let open = try server.api("GET", "/apps/notes/docs/tasks?where=" + Self.query(#"{"done":false}"#) + "&sort=-n")
        #expect(open.status == 200, "\(open.text)")
        #expect(open.json["count"] as? Int == 2)
        #expect(
            (open.json["documents"] as? [[String: Any]])?.map { $0["id"] as? String } == ["c", "a"],
            "\(open.text)"
        )

        let page = try server.api("GET", "/apps/notes/docs/tasks?limit=1&skip=1&sort=n")
        #expect(page.json["count"] as? Int == 3)
        #expect((page.json["documents"] as? [[String: Any]])?.map { $0["id"] as? String } == ["b"], "\(page.text)")

        let broken = try server.api("GET", "/apps/notes/docs/tasks?where=" + Self.query("{nope"))
        #expect(broken.status == 400 && broken.text.contains("where must be a JSON query"), "\(broken.text)")
        let badOperator = try server.api("GET", "/apps/notes/docs/tasks?where=" + Self.query(#"{"n":{"$zz":1}}"#))
        #expect(badOperator.status == 400, "\(badOperator.text)")
        #expect(try server.api("POST", "/apps/notes/docs").status == 405)
        #expect(try server.api("GET", "/apps/nosuch/docs").status == 404)
    }

    @Test func blobsDownloadAsAttachmentsThatNeverRender() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("notes", try ArchiveFixtures.zip([Self.seed, Self.tick])).status == 201)
        #expect(try server.app("notes", "/api/seed").status == 200)

        let list = try server.api("GET", "/apps/notes/blobs")
        let paths = (list.json["blobs"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
        #expect(paths == ["img/page.html", "notes/ünï.txt"], "\(list.text)")
        #expect((try server.api("GET", "/apps/notes/blobs?prefix=img/").json["blobs"] as? [Any])?.count == 1)

        let page = try server.api("GET", "/apps/notes/blobs/img/page.html")
        #expect(page.status == 200 && page.text == "<script>alert(1)</script>")
        #expect(page.header("Content-Disposition")?.hasPrefix(#"attachment; filename="page.html""#) == true)
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        #expect(page.header("Content-Security-Policy")?.contains("sandbox") == true)

        let unicode = try server.api("GET", "/apps/notes/blobs/notes/%C3%BCn%C3%AF.txt")
        #expect(unicode.status == 200 && unicode.text == "hello", "\(unicode.text)")
        #expect(unicode.header("Content-Disposition")?.contains("filename*=UTF-8''%C3%BCn%C3%AF.txt") == true)
        let missing = try server.api("GET", "/apps/notes/blobs/nope")
        #expect(missing.status == 404 && missing.text.contains("no blob"), "\(missing.text)")
    }

    @Test func realtimeOverviewListsChannelsAndSockets() throws {
        let server = try ServerProcess()
        try server.deployRealtimeApp("live", manifest: #"{"realtime": {"channels": {"room-*": {"presence": true}}}}"#)
        let empty = try server.api("GET", "/apps/live/channels")
        #expect(empty.status == 200 && (empty.json["sockets"] as? [Any])?.isEmpty == true, "\(empty.text)")

        let client = try server.socket("live")
        defer { client.closeAbruptly() }
        try client.mustSubscribe("room-1")
        _ = try server.mustPublish("live", "room-1", json: #"{"hi":1}"#)
        let overview = try server.api("GET", "/apps/live/channels")
        let channels = overview.json["channels"] as? [[String: Any]] ?? []
        #expect(channels.first?["name"] as? String == "room-1", "\(overview.text)")
        #expect(
            channels.first?["subscribers"] as? Int == 1 && channels.first?["offset"] as? Int == 1,
            "\(overview.text)"
        )
        let sockets = overview.json["sockets"] as? [[String: Any]] ?? []
        #expect(sockets.count == 1 && sockets.first?["channels"] as? [String] == ["room-1"], "\(overview.text)")
        #expect(try server.api("POST", "/apps/live/channels").status == 405)
    }

    @Test func homeReadsHealthRecentDeploysAndJobLateness() throws {
        let server = try ServerProcess()
        #expect(try server.deploy("notes", try ArchiveFixtures.zip([Self.seed, Self.tick])).status == 201)
        #expect(
            try server.deploy("other", try ArchiveFixtures.zip([ArchiveFixtures.file("index.html", "x")])).status == 201
        )
        #expect(try server.deploy("notes", try ArchiveFixtures.zip([Self.seed, Self.tick])).status == 201)

        let status = try server.api("GET", "/status")
        #expect(status.json["writerQueue"] as? Int != nil && status.json["certificates"] == nil, "\(status.text)")
        let deploys = try server.api("GET", "/deploys?limit=2")
        let recent = (deploys.json["deploys"] as? [[String: Any]] ?? []).map {
            "\($0["app"] ?? "") v\($0["version"] ?? "")"
        }
        #expect(recent == ["notes v2", "other v1"], "\(deploys.text)")
        #expect(try server.api("GET", "/deploys?limit=0").status == 400)

        for _ in 0..<5 { _ = try server.app("other", "/") }
        _ = try server.app("other", "/nope")
        let traffic = try server.api("GET", "/traffic")
        let other = (traffic.json["apps"] as? [String: Any])?["other"] as? [String: Any]
        #expect(traffic.json["intervalSeconds"] as? Int == 60, "\(traffic.text)")
        #expect((other?["requests"] as? [Int])?.last == 6 && (other?["errors"] as? [Int])?.last == 0, "\(traffic.text)")

        #expect(try server.app("notes", "/api/seed").status == 200)
        var late: Int?
        let deadline = ContinuousClock.now + .seconds(20)
        while late == nil, ContinuousClock.now < deadline {
            let runs = try server.api("GET", "/apps/notes/runs?kind=job").json["runs"] as? [[String: Any]] ?? []
            late = runs.first?["lateMs"] as? Int
            if late == nil { Thread.sleep(forTimeInterval: 0.1) }  // the job fires on its own timer
        }
        #expect(late.map { $0 >= 0 } == true, "a job run records how late it started")
    }

    @Test func backupsDownloadByName() throws {
        let server = try ServerProcess()
        let made = try server.api("POST", "/backups")
        #expect(made.status == 201, "\(made.text)")
        let name = made.json["name"] as? String ?? ""
        let location = made.json["location"] as? String ?? ""
        let download = try server.api("GET", "/backups/" + name)
        #expect(download.status == 200, "\(download.text)")
        #expect(download.body == Array(try Data(contentsOf: URL(fileURLWithPath: location))), "the file's bytes")
        #expect(download.header("Content-Disposition")?.contains(name) == true)
        #expect(try server.api("GET", "/backups/fazt-backup-nope.db.gz").status == 404)
        #expect(try server.api("GET", "/backups/..%2Fdata.db").status == 404)
    }

    static func query(_ json: String) -> String {
        json.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? json
    }
}
