import FaztRuntime
import Testing

@Suite struct HandlerRouterTests {
    let files: Set<String> = ["api/main.js", "api/users.js", "api/teams/index.js", "api/_private.js", "api/index.js"]

    func route(_ path: String, files: Set<String>? = nil) -> String? {
        let available = files ?? self.files
        return HandlerRouter.handler(for: path, exists: { available.contains($0) })
    }

    @Test func prefersTheMostSpecificFile() {
        #expect(route("/api/users") == "api/users.js")
        #expect(route("/api/users/42/posts") == "api/users.js")
        #expect(route("/api/teams") == "api/teams/index.js")
        #expect(route("/api/teams/") == "api/teams/index.js")
        #expect(route("/api/other") == "api/main.js")
        #expect(route("/api") == "api/index.js")
        #expect(route("/api", files: ["api/main.js"]) == "api/main.js")
    }

    @Test func neverRoutesToHelpersOrEscapes() {
        #expect(route("/api/_private") == "api/main.js")
        #expect(route("/api/../secrets") == "api/main.js")
        #expect(route("/api/x", files: ["api/_private.js"]) == nil)
    }

    @Test func recognisesAPIPaths() {
        #expect(HandlerRouter.isAPIPath("/api"))
        #expect(HandlerRouter.isAPIPath("/api/x"))
        #expect(!HandlerRouter.isAPIPath("/apix"))
        #expect(!HandlerRouter.isAPIPath("/static/api"))
    }
}
