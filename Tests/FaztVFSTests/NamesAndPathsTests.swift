import Testing

@testable import FaztVFS

@Suite struct NamesAndPathsTests {
    @Test(arguments: ["hello", "a", "my-app", "App1", "x" + String(repeating: "y", count: 61) + "z"])
    func acceptsValidAppNames(_ name: String) throws {
        #expect(try AppName.validate(name) == name.lowercased())
    }

    @Test(arguments: ["", "-app", "app-", "my_app", "my.app", "ünï", String(repeating: "a", count: 64), "a b"])
    func rejectsInvalidAppNames(_ name: String) {
        #expect(throws: VFSError.self) { try AppName.validate(name) }
    }

    @Test(arguments: ["www", "api", "admin", "mail", "localhost", "_fazt", "WWW"])
    func rejectsReservedNames(_ name: String) {
        do {
            _ = try AppName.validate(name)
            Issue.record("accepted \(name)")
        } catch {
            #expect(error.code == .reservedName || error.code == .invalidName)
        }
    }

    @Test(arguments: ["blog--v1", "blog--v12", "my--site--v3", "a--v0", "BLOG--V7"])
    func reservesPreviewLabels(_ name: String) {
        do {
            _ = try AppName.validate(name)
            Issue.record("accepted \(name)")
        } catch {
            #expect(error.code == .reservedName)
            #expect(error.message.contains("'--v' and digits"))
        }
    }

    @Test(arguments: ["my--site", "blog--v", "blog--vx", "blog-v1", "v1", "blog--v1a"])
    func acceptsNamesThatAreNoPreviewLabels(_ name: String) throws {
        #expect(try AppName.validate(name) == name)
    }

    @Test func parsesPreviewLabels() {
        #expect(AppName.preview("blog--v3")! == ("blog", 3))
        #expect(AppName.preview("my--site--v12")! == ("my--site", 12))
        #expect(AppName.preview("blog--v03") == nil)
        #expect(AppName.preview("blog--v0") == nil)
        #expect(AppName.preview("www--v1") == nil)
        #expect(AppName.preview("my--site") == nil)
        #expect(AppName.previewLabel(app: "blog", version: 3) == "blog--v3")
    }

    @Test func normalizesHarmlessPathForms() throws {
        #expect(try EntryPath.normalize(Array("./a//b/./c.txt".utf8), maxBytes: 1024) == "a/b/c.txt")
    }

    @Test(arguments: ["/etc/passwd", "../x", "a/../../x", "a\\b", "a\u{1}b"])
    func rejectsEscapingAndControlPaths(_ path: String) {
        #expect(throws: VFSError.self) { try EntryPath.normalize(Array(path.utf8), maxBytes: 1024) }
    }

    @Test func rejectsInvalidUTF8Names() {
        #expect(throws: VFSError.self) { try EntryPath.normalize([0x61, 0xFF, 0x62], maxBytes: 1024) }
    }

    @Test func mimeTypesAndCompressibility() {
        #expect(MIMEType.forPath("a/b/index.HTML") == "text/html; charset=utf-8")
        #expect(MIMEType.forPath("x.unknownext") == "application/octet-stream")
        #expect(MIMEType.forPath("Makefile") == "application/octet-stream")
        #expect(MIMEType.isCompressible("text/css; charset=utf-8"))
        #expect(!MIMEType.isCompressible("image/png"))
    }

    @Test func gzipRoundTrips() throws {
        let data = Array(String(repeating: "hello fazt ", count: 200).utf8)
        let compressed = try #require(Gzip.compress(data))
        #expect(compressed.count < data.count)
        #expect(Gzip.decompress(compressed) == data)
    }

    @Test func hashesMatchKnownSHA256() {
        #expect(
            ContentHash(of: Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test func parsesCORSAndLimits() throws {
        let text =
            #"{"cors":{"origins":["https://a.example"],"methods":["get","post"],"credentials":true,"maxAge":60},"limits":{"timeoutMs":800}}"#
        let manifest = try Manifest.parse(Array(text.utf8))
        #expect(manifest.cors?.origins == ["https://a.example"])
        #expect(manifest.cors?.methods == ["GET", "POST"])
        #expect(manifest.cors?.credentials == true && manifest.cors?.maxAge == 60)
        #expect(manifest.timeoutMs == 800)
        #expect(throws: VFSError.self) { try Manifest.parse(Array(#"{"cors":{"origins":[1]}}"#.utf8)) }
        #expect(throws: VFSError.self) { try Manifest.parse(Array(#"{"limits":{"timeoutMs":-1}}"#.utf8)) }
    }

    @Test func parsesManifests() throws {
        #expect(try Manifest.parse(Array(#"{"name":"x","spa":true}"#.utf8)) == Manifest(name: "x", spa: true))
        #expect(throws: VFSError.self) { try Manifest.parse(Array("{nope".utf8)) }
        #expect(throws: VFSError.self) { try Manifest.parse(Array(#"{"spa":"yes"}"#.utf8)) }
    }
}
