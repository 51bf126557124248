import Foundation
import Testing

@testable import FaztRuntime

/// The JavaScript half of the runtime, in-process: module loader, request parsing, responses.
/// Serialized: host callbacks find their context through a process-wide registry.
@Suite(.serialized) struct PreludeTests {
    func run(
        _ files: [String: String],
        file: String = "api/main.js",
        _ request: [String: Any] = [:],
        bytes: [UInt8]? = nil
    ) throws
        -> PreludeHarness.Answer
    {
        try PreludeHarness.invoke(files: files, file: file, request: request, bytes: bytes)
    }

    // MARK: Module loader

    @Test func resolvesRelativeJSONAndIndexModules() throws {
        let answer = try run([
            "api/main.js":
                "module.exports = () => [require('../lib/a').name, require('../lib/data.json').n, require('../lib/dir').name];",
            "lib/a.js": "exports.name = 'a';",
            "lib/data.json": #"{"n": 7}"#,
            "lib/dir/index.js": "exports.name = 'dir';",
        ])
        #expect(answer.json as? [AnyHashable] == ["a", 7, "dir"])
    }

    @Test func handlesCyclesLikeNode() throws {
        let answer = try run([
            "api/main.js": "const a = require('../lib/a'); module.exports = () => [a.sawB, a.bSawPartial];",
            "lib/a.js":
                "exports.name = 'a'; exports.sawB = require('./b').name; exports.bSawPartial = require('./b').sawA;",
            "lib/b.js": "exports.sawA = require('./a').name; exports.name = 'b';",
        ])
        #expect(answer.json as? [String] == ["b", "a"])
    }

    @Test func cachesOneInstancePerContext() throws {
        let answer = try run([
            "api/main.js":
                "const x = require('../lib/count'); const y = require('../lib/count.js'); module.exports = () => [x === y, x.n];",
            "lib/count.js": "globalThis.loads = (globalThis.loads || 0) + 1; exports.n = globalThis.loads;",
        ])
        #expect(answer.text == "[true,1]")
    }

    @Test(arguments: [
        (
            "require('../../../etc/passwd')",
            "Cannot find module '../../../etc/passwd' from api/main.js (modules cannot leave the app)"
        ),
        ("require('./missing')", "Cannot find module './missing' from api/main.js"),
        ("require('left-pad')", "Cannot find module 'left-pad' from api/main.js"),
    ])
    func explainsModulesItCannotLoad(_ call: String, _ message: String) throws {
        let answer = try run([
            "api/main.js":
                "module.exports = () => { try { \(call); return 'loaded'; } catch (e) { return e.message; } };"
        ])
        #expect(answer.text == message)
    }

    // MARK: Request parsing

    @Test func parsesJSONBodiesQueriesAndCookies() throws {
        let answer = try run(
            [
                "api/main.js":
                    "module.exports = (req) => ({ body: req.body, q: req.query, c: req.cookies, h: req.headers['x-a'] });"
            ],
            [
                "method": "POST", "query": ["a": ["1", "2"]], "body": #"{"n":1}"#,
                "headers": ["content-type": "application/json", "cookie": "s=abc; t=a%20b", "x-a": "1"],
            ]
        )
        let json = answer.json as? [String: Any]
        #expect((json?["body"] as? [String: Int]) == ["n": 1])
        #expect((json?["q"] as? [String: [String]]) == ["a": ["1", "2"]])
        #expect((json?["c"] as? [String: String]) == ["s": "abc", "t": "a b"])
        #expect(json?["h"] as? String == "1")
    }

    @Test func parsesURLEncodedForms() throws {
        let answer = try run(
            ["api/main.js": "module.exports = (req) => req.body;"],
            [
                "method": "POST", "body": "x=1&name=hello+there&x=2&e=%C3%BC",
                "headers": ["content-type": "application/x-www-form-urlencoded"],
            ]
        )
        let json = answer.json as? [String: Any]
        #expect(json?["x"] as? [String] == ["1", "2"])
        #expect(json?["name"] as? String == "hello there" && json?["e"] as? String == "ü")
    }

    @Test func parsesMultipartFieldsAndBinaryFiles() throws {
        var body = Array("--B\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nhi\r\n".utf8)
        body += Array(
            "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\nContent-Type: image/png\r\n\r\n"
                .utf8
        )
        body += [0, 255, 1] + Array("\r\n--B--\r\n".utf8)
        let answer = try run(
            [
                "api/main.js":
                    "module.exports = (req) => ({ t: req.body.t, f: req.files.map((f) => [f.name, f.filename, f.type, f.size, Array.from(new Uint8Array(f.data))]) });"
            ],
            ["method": "POST", "headers": ["content-type": "multipart/form-data; boundary=B"]],
            bytes: body
        )
        #expect(answer.text == #"{"t":"hi","f":[["f","x.bin","image/png",3,[0,255,1]]]}"#)
    }

    // MARK: Responses

    @Test func normalizesEveryResponseForm() throws {
        let forms: [(String, Int, String?, String)] = [
            ("'plain'", 200, "text/plain; charset=utf-8", "plain"),
            ("({ a: 1 })", 200, "application/json", #"{"a":1}"#),
            (
                "({ status: 201, headers: { 'x-k': 'v' }, body: { ok: true } })", 201, "application/json",
                #"{"ok":true}"#
            ),
            (
                "({ status: 1, method: 'GET', body: 'kept' })", 200, "application/json",
                #"{"status":1,"method":"GET","body":"kept"}"#
            ),
            ("new Response('<b>', { status: 202, headers: { 'content-type': 'text/html' } })", 202, "text/html", "<b>"),
            ("Response.json([1])", 200, "application/json", "[1]"),
            ("undefined", 204, nil, ""),
            ("null", 200, "application/json", "null"),
        ]
        for (expression, status, type, body) in forms {
            let answer = try run(["api/main.js": "module.exports = () => \(expression);"])
            #expect(answer.status == status, "\(expression)")
            #expect(answer.headers["content-type"] == type, "\(expression)")
            #expect(answer.text == body, "\(expression)")
        }
        let binary = try run(["api/main.js": "module.exports = () => new Uint8Array([0, 1, 255]);"])
        #expect(binary.body == [0, 1, 255] && binary.headers["content-type"] == "application/octet-stream")
    }

    @Test func supportsBothHandlerForms() throws {
        #expect(
            try run(["api/main.js": "exports.GET = () => 'get'; exports.POST = () => 'post';"], ["method": "POST"]).text
                == "post"
        )
        #expect(try run(["api/main.js": "exports.GET = () => 'get';"], ["method": "PUT"]).status == 405)
        #expect(
            try run(
                ["api/main.js": "if (request.query.a) { return respond(201, 'early'); }\nrespond('late');"],
                ["query": ["a": "1"]]
            ).status == 201
        )
        #expect(try run(["api/main.js": "const n = 40 + 2;\n({ n })"]).text == #"{"n":42}"#)
    }

    @Test func reportsThrownErrorsWithTheirLocation() throws {
        #expect(throws: PreludeHarness.Failure.exception(message: "kaboom", location: "api/main.js:2")) {
            try run(["api/main.js": "module.exports = () => {\n  throw new Error('kaboom');\n};"])
        }
        #expect(throws: PreludeHarness.Failure.exception(message: "deep", location: "lib/x.js:1")) {
            try run([
                "api/main.js": "module.exports = () => require('../lib/x').boom();",
                "lib/x.js": "exports.boom = () => { throw new Error('deep'); };",
            ])
        }
    }
}
