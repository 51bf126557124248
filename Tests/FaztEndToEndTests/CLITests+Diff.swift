import FaztTestSupport
import Foundation
import Testing

/// `GET /apps/{name}/versions/{a}...{b}/diff` and `fazt diff` against the real binary.
extension CLITests {
    @Test func diffShowsChangedPathsAndUnifiedText() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        let first = try ArchiveFixtures.zip([
            ArchiveFixtures.file("index.html", "<h1>one</h1>\n<p>same</p>\n"),
            ArchiveFixtures.file("style.css", "body{}\n"),
            ArchiveFixtures.file("gone.txt", "bye\n"),
            .file("logo.png", [0x89, 0x50, 0, 1]),
        ])
        let second = try ArchiveFixtures.zip([
            ArchiveFixtures.file("index.html", "<h1>two</h1>\n<p>same</p>\n"),
            ArchiveFixtures.file("css/style.css", "body{}\n"),
            ArchiveFixtures.file("app.js", "console.log(1)\n"),
            .file("logo.png", [0x89, 0x50, 0, 2, 3]),
        ])
        #expect(try server.deploy("site", first).status == 201)
        #expect(try server.deploy("site", second).status == 201)

        let response = try server.api("GET", "/apps/site/versions/1...2/diff")
        #expect(response.status == 200, "\(response.text)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        #expect(body["app"] as? String == "site" && body["from"] as? Int == 1 && body["to"] as? Int == 2)
        #expect(body["truncated"] as? Bool == false)
        let files = try #require(body["files"] as? [[String: Any]])
        #expect(
            files.map { $0["path"] as? String } == ["app.js", "css/style.css", "gone.txt", "index.html", "logo.png"]
        )
        #expect(files.map { $0["status"] as? String } == ["added", "renamed", "deleted", "modified", "modified"])
        #expect(files[1]["from"] as? String == "style.css")
        #expect(files[3]["additions"] as? Int == 1 && files[3]["deletions"] as? Int == 1)
        #expect(files[4]["binary"] as? Bool == true && files[4]["newSize"] as? Int == 5)
        let diff = try #require(body["diff"] as? String)
        #expect(diff.contains("--- a/index.html\n+++ b/index.html\n@@ -1,2 +1,2 @@\n-<h1>one</h1>\n+<h1>two</h1>\n"))
        #expect(diff.contains("Binary files a/logo.png and b/logo.png differ"))
        #expect(diff.contains("rename from style.css\nrename to css/style.css"))
        // `live` names the live version; equal versions have nothing to show.
        let same = try server.api("GET", "/apps/site/versions/live...2/diff")
        #expect(same.status == 200 && same.text.contains(#""files":[]"#), "\(same.text)")

        let (status, output, error) = try ServerProcess.runCLI(["diff", "site", "1", "live"], environment: env)
        #expect(status == 0, "\(error)")
        #expect(output == diff, "\(output)")
        #expect(!output.contains("\u{1B}["))
        let stat = try ServerProcess.runCLI(["diff", "site", "1", "2", "--stat"], environment: env)
        #expect(stat.0 == 0 && stat.1.contains(" index.html ") && stat.1.contains("| 2 +-"), "\(stat.1)")
        #expect(stat.1.contains("Bin 4 -> 5 bytes") && stat.1.contains("style.css => css/style.css"), "\(stat.1)")
        #expect(stat.1.contains("5 files changed, 2 insertions(+), 2 deletions(-)"), "\(stat.1)")
        let json = try ServerProcess.runCLI(["diff", "site", "2", "1", "--json"], environment: env)
        #expect(json.0 == 0 && json.1.contains(#""from" : 2"#), "\(json.1)")
    }

    @Test func diffNamesWhatIsWrong() throws {
        let server = try ServerProcess()
        let env = try Self.environment(server)
        #expect(
            try server.deploy("site", try ArchiveFixtures.zip([ArchiveFixtures.file("a.txt", "a\n")])).status == 201
        )

        let malformed = try server.api("GET", "/apps/site/versions/1..2/diff")
        #expect(malformed.status == 400 && malformed.text.contains("/versions/3...5/diff"), "\(malformed.text)")
        let missing = try server.api("GET", "/apps/site/versions/1...9/diff")
        #expect(missing.status == 404 && missing.text.contains("version_not_found"), "\(missing.text)")
        #expect(missing.text.contains("no version 9"), "\(missing.text)")
        let unknown = try server.api("GET", "/apps/nosuch/versions/1...2/diff")
        #expect(unknown.status == 404 && unknown.text.contains(#"no app named \"nosuch\""#), "\(unknown.text)")
        #expect(try server.api("POST", "/apps/site/versions/1...1/diff").status == 405)

        let cli = try ServerProcess.runCLI(["diff", "site", "1", "9"], environment: env)
        #expect(cli.0 != 0 && cli.2.contains("no version 9"), "\(cli.2)")
        let bad = try ServerProcess.runCLI(["diff", "site", "one", "2"], environment: env)
        #expect(bad.0 != 0 && bad.2.contains("'one' is not a version"), "\(bad.2)")
    }
}
