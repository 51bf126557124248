import FaztRuntime
import Testing

@Suite struct HandlerRouterTests {
    let files: Set<String> = ["api/main.js", "api/users.js", "api/teams/index.js", "api/_private.js", "api/index.js"]

    func route(_ path: String, files: Set<String>? = nil) -> String? {
        HandlerRouter(files: files ?? self.files).route(for: path)?.file
    }

    static let params: Set<String> = [
        "api/main.js", "api/users.js", "api/todos/[id].js", "api/todos/new.js", "api/todos/[...rest].js",
        "api/files/[...path].js", "api/users/[id]/posts.js", "api/orgs/[org]/index.js", "api/_lib/[id].js",
        "api/[section].js", "api/index.js", "api/teams/index.js", "api/teams/[team].js",
    ]

    func match(_ path: String, files: Set<String> = Self.params) -> HandlerRoute? {
        HandlerRouter(files: files).route(for: path)
    }

    @Test func prefersTheMostSpecificFile() {
        #expect(route("/api/users") == "api/users.js")
        #expect(route("/api/users/42/posts") == "api/users.js")
        #expect(route("/api/teams") == "api/teams/index.js")
        #expect(route("/api/teams/") == "api/teams/index.js")
        #expect(route("/api/teams/index") == "api/teams/index.js")
        #expect(route("/api/other") == "api/main.js")
        #expect(route("/api") == "api/index.js")
        #expect(route("/api", files: ["api/main.js"]) == "api/main.js")
    }

    @Test func neverRoutesToHelpersOrEscapes() {
        #expect(route("/api/_private") == "api/main.js")
        #expect(route("/api/../secrets") == "api/main.js")
        #expect(route("/api/x", files: ["api/_private.js"]) == nil)
    }

    @Test func capturesSegmentParameters() {
        #expect(match("/api/todos/42") == HandlerRoute(file: "api/todos/[id].js", params: ["id": "42"]))
        #expect(match("/api/users/7/posts") == HandlerRoute(file: "api/users/[id]/posts.js", params: ["id": "7"]))
        #expect(match("/api/orgs/acme") == HandlerRoute(file: "api/orgs/[org]/index.js", params: ["org": "acme"]))
        #expect(match("/api/orgs/acme/") == HandlerRoute(file: "api/orgs/[org]/index.js", params: ["org": "acme"]))
        #expect(match("/api/teams/red") == HandlerRoute(file: "api/teams/[team].js", params: ["team": "red"]))
        #expect(match("/api/anything") == HandlerRoute(file: "api/[section].js", params: ["section": "anything"]))
    }

    @Test func catchAllTakesTheRestOfThePath() {
        #expect(match("/api/files/a/b/c") == HandlerRoute(file: "api/files/[...path].js", params: ["path": "a/b/c"]))
        #expect(match("/api/files/a") == HandlerRoute(file: "api/files/[...path].js", params: ["path": "a"]))
        #expect(match("/api/todos/1/2") == HandlerRoute(file: "api/todos/[...rest].js", params: ["rest": "1/2"]))
        // A catch-all needs at least one segment: `/api/files` is a parameter of `[section].js`.
        #expect(match("/api/files") == HandlerRoute(file: "api/[section].js", params: ["section": "files"]))
        let folder: Set<String> = ["api/docs/[...slug]/index.js", "api/main.js"]
        #expect(match("/api/docs/x/y", files: folder)?.params == ["slug": "x/y"])
        #expect(match("/api/docs", files: folder)?.file == "api/main.js")
    }

    @Test func exactFilesBeatParametersWhichBeatCatchAlls() {
        #expect(match("/api/todos/new") == HandlerRoute(file: "api/todos/new.js"))
        #expect(match("/api/todos/newer")?.params == ["id": "newer"])
        #expect(match("/api/users") == HandlerRoute(file: "api/users.js"))
        #expect(match("/api/teams") == HandlerRoute(file: "api/teams/index.js"))
        #expect(match("/api") == HandlerRoute(file: "api/index.js"))
        // A literal branch that cannot match the rest gives way to a parameter.
        let branches: Set<String> = ["api/users/new.js", "api/users/[id]/posts.js"]
        #expect(match("/api/users/new/posts", files: branches)?.params == ["id": "new"])
    }

    @Test func fallsBackToTheLongestMatchingPrefix() {
        #expect(match("/api/users/42") == HandlerRoute(file: "api/users.js"))
        #expect(match("/api/users/7/comments") == HandlerRoute(file: "api/users.js"))
        #expect(
            match("/api/orgs/acme/members") == HandlerRoute(file: "api/orgs/[org]/index.js", params: ["org": "acme"])
        )
        let noSection = Self.params.subtracting(["api/[section].js"])
        #expect(match("/api/other/x", files: noSection) == HandlerRoute(file: "api/main.js"))
    }

    @Test func decodesParametersPerSegment() {
        #expect(match("/api/todos/a%20b")?.params == ["id": "a b"])
        #expect(match("/api/todos/caf%C3%A9")?.params == ["id": "café"])
        // An encoded slash stays inside its segment: never a parameter, but part of a catch-all.
        #expect(match("/api/todos/a%2Fb") == HandlerRoute(file: "api/todos/[...rest].js", params: ["rest": "a/b"]))
        #expect(match("/api/users/a%2Fb/posts") == HandlerRoute(file: "api/users.js"))
    }

    @Test func helpersAndHiddenSegmentsAreNeverParameters() {
        #expect(match("/api/_lib/3") == HandlerRoute(file: "api/main.js"))
        #expect(match("/api/todos/_x") == HandlerRoute(file: "api/main.js"))
        #expect(match("/api/todos/..") == HandlerRoute(file: "api/main.js"))
        #expect(match("/api/todos/%2e%2e") == HandlerRoute(file: "api/main.js"))
        let invalid: Set<String> = ["api/[...a]/b.js", "api/[x]/[x].js", "api/[].js"]
        #expect(match("/api/q/b", files: invalid) == nil)
        #expect(match("/api/[]", files: invalid) == HandlerRoute(file: "api/[].js"))
    }

    @Test func recognisesAPIPaths() {
        #expect(HandlerRouter.isAPIPath("/api"))
        #expect(HandlerRouter.isAPIPath("/api/x"))
        #expect(!HandlerRouter.isAPIPath("/apix"))
        #expect(!HandlerRouter.isAPIPath("/static/api"))
    }
}
