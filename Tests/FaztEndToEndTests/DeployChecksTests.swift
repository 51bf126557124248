import FaztTestSupport
import Foundation
import Testing

/// Deploys refuse what cannot work, with a message that says what to fix: manifest typos and
/// handler files whose exports are not a handler.
@Suite struct DeployChecksTests {
    static func error(_ response: TestResponse) -> (code: String?, message: String?) {
        let error = response.json["error"] as? [String: Any]
        return (error?["code"] as? String, error?["message"] as? String)
    }

    @Test func aManifestTypoFailsTheDeployNamingTheKeyMeant() throws {
        let server = try ServerProcess()
        let response = try server.deploy(
            "typo",
            try ArchiveFixtures.zip([
                ArchiveFixtures.file("index.html", "hi"),
                ArchiveFixtures.file("fazt.json", #"{"cors": {"origin": "https://a.example"}}"#),
            ])
        )
        #expect(response.status == 400)
        #expect(Self.error(response).code == "bad_manifest")
        #expect(
            Self.error(response).message == #"fazt.json: unknown key "cors.origin" (did you mean "cors.origins"?)"#
        )
        let invalid = try server.deploy(
            "typo",
            try ArchiveFixtures.zip([ArchiveFixtures.file("fazt.json", "{\n  \"spa\": true\n  \"name\": \"x\"\n}")])
        )
        #expect(
            Self.error(invalid).message
                == "fazt.json is not valid JSON: line 3, column 3: expected ',' or '}' after a member"
        )
        #expect(try server.api("GET", "/apps/typo").status == 404, "nothing was deployed")
    }

    @Test func handlerFilesThatExportNoHandlerFailTheDeploy() throws {
        let server = try ServerProcess()
        let cases = [
            (
                "exports.get = async (req) => 'hi';",
                "api/x.js: did you mean exports.GET? (method handlers are upper-case)"
            ),
            (
                "export const post = async (req) => 'hi';",
                "api/x.js: did you mean exports.POST? (method handlers are upper-case)"
            ),
            (
                "async function handle(req) { return 'hi'; }\nmodule.exports = {handle};",
                "api/x.js: module.exports has no handler: export a function, or GET/POST/… functions"
            ),
        ]
        for (source, message) in cases {
            let response = try server.deploy("shapes", try ArchiveFixtures.zip([js("api/x.js", source)]))
            #expect(response.status == 400, "\(source)")
            #expect(Self.error(response).code == "bad_handler")
            #expect(Self.error(response).message == message)
        }
        // Helpers (`_` names) are not routes; script-form files stay valid.
        let fine = try server.deploy(
            "shapes",
            try ArchiveFixtures.zip([
                js("api/_lib.js", "exports.fetch = () => 1;"),
                js("api/lib/_db.js", "module.exports = { query() {} };"),
                js("api/script.js", "respond({ ok: require('./_lib').fetch() });"),
            ])
        )
        #expect(fine.status == 201, "\(fine.text)")
        #expect(try server.app("shapes", "/api/script").json["ok"] as? Int == 1)
    }

    @Test func exportsTheDeployCheckCannotSeeFailAtRequestTimeWithAClearMessage() throws {
        let server = try ServerProcess()
        let files = [
            js("api/object.js", "const routes = { handle: () => 'hi' };\nmodule.exports = routes;"),
            js("api/lower.js", "const routes = {};\nroutes.get = () => 'hi';\nmodule.exports = routes;"),
            // The message is the app author's: shown in the body only with "debug".
            ArchiveFixtures.file("fazt.json", #"{"debug": true}"#),
        ]
        #expect(try server.deploy("late", try ArchiveFixtures.zip(files)).status == 201)
        let object = try server.app("late", "/api/object")
        #expect(object.status == 500)
        #expect(
            object.json["error"] as? String
                == "api/object.js: module.exports has no handler: export a function, or GET/POST/… functions"
        )
        let lower = try server.app("late", "/api/lower")
        #expect(lower.status == 500)
        #expect(
            lower.json["error"] as? String == "api/lower.js: did you mean exports.GET? (method handlers are upper-case)"
        )
    }
}
