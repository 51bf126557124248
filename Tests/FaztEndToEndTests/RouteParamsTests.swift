import FaztTestSupport
import Testing

/// `[param]` files and folders under `api/`: the values arrive in `req.params`.
@Suite struct RouteParamsTests {
    @Test func passesRouteParametersToHandlers() throws {
        let server = try ServerProcess()
        let echo = "module.exports = (req) => ({ file: FILE, params: req.params });"
        func handler(_ path: String) -> ArchiveFixtures.Entry {
            js(path, echo.replacingOccurrences(of: "FILE", with: "'\(path)'"))
        }
        let files: [ArchiveFixtures.Entry] = [
            handler("api/todos/[id].js"),
            handler("api/todos/new.js"),
            handler("api/todos/[...rest].js"),
            handler("api/files/[...path].js"),
            handler("api/users/[id]/posts.js"),
            handler("api/users.js"),
            js("api/script/[name].js", "respond({ name: request.params.name })"),
        ]
        #expect(try server.deploy("params", try ArchiveFixtures.zip(files)).status == 201)
        func get(_ path: String) throws -> (file: String?, params: [String: String]?) {
            let json = try server.app("params", path).json
            return (json["file"] as? String, json["params"] as? [String: String])
        }
        #expect(try get("/api/todos/42") == ("api/todos/[id].js", ["id": "42"]))
        #expect(try get("/api/todos/caf%C3%A9%20au%20lait") == ("api/todos/[id].js", ["id": "café au lait"]))
        #expect(try get("/api/todos/new") == ("api/todos/new.js", [:]))
        #expect(try get("/api/todos/1/2") == ("api/todos/[...rest].js", ["rest": "1/2"]))
        #expect(try get("/api/files/a/b/c") == ("api/files/[...path].js", ["path": "a/b/c"]))
        #expect(try get("/api/users/7/posts") == ("api/users/[id]/posts.js", ["id": "7"]))
        #expect(try get("/api/users/42") == ("api/users.js", [:]))
        #expect(try server.app("params", "/api/script/zed").json["name"] as? String == "zed")
    }
}
