import Foundation
import Testing

@testable import FaztRuntime

/// `fazt.files`: the version's own files, `private/` included (part of the serialized
/// `PreludeTests` suite: one JavaScript context at a time).
extension PreludeTests {
    static let knowledgeApp = [
        "private/knowledge/faq.md": "# FAQ\nÜber alles.\n",
        "private/knowledge/about.md": "# About\n",
        "private/other.txt": "x",
        "public/index.html": "<p>hi</p>",
    ]

    func filesRun(_ body: String) throws -> PreludeHarness.Answer {
        var files = Self.knowledgeApp
        files["api/main.js"] = "module.exports = () => { \(body) };"
        return try run(files)
    }

    @Test func listsTheVersionsFilesByPrefix() throws {
        let answer = try filesRun(
            "return [fazt.files.list('private/knowledge/'), fazt.files.list('/private/o'), fazt.files.list().length];"
        )
        #expect(
            answer.text == #"[["private/knowledge/about.md","private/knowledge/faq.md"],["private/other.txt"],5]"#
        )
    }

    @Test func readsPrivateFilesAsTextOrBytes() throws {
        let answer = try filesRun(
            """
            const bytes = fazt.files.read('private/other.txt', {binary: true});
            return [fazt.files.read('/private/knowledge/faq.md'), fazt.files.read('private/missing.md'),
                    bytes instanceof Uint8Array, Array.from(bytes), fazt.files.read('api/main.js').startsWith('module')];
            """
        )
        #expect(answer.text == ##"["# FAQ\nÜber alles.\n",null,true,[120],true]"##)
    }

    @Test func refusesPathsThatClimbOutOfTheApp() throws {
        let answer = try filesRun(
            """
            const attempt = (f) => { try { f(); return 'read'; } catch (e) { return `${e.code}: ${e.message}`; } };
            return [attempt(() => fazt.files.read('private/../../other/api/main.js')),
                    attempt(() => fazt.files.list('..')), attempt(() => fazt.files.read(3))];
            """
        )
        #expect(
            answer.json as? [String] == [
                "INVALID_ARGUMENT: fazt.files.read: private/../../other/api/main.js: \"..\" is not allowed: "
                    + "give the path from the app root, like \"private/notes.md\"",
                "INVALID_ARGUMENT: fazt.files.list: ..: \"..\" is not allowed: give the path from the app root, "
                    + "like \"private/notes.md\"",
                "INVALID_ARGUMENT: fazt.files.read: the path must be a string, like \"private/notes.md\"",
            ]
        )
    }
}
