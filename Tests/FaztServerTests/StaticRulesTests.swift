import FaztVFS
import NIOHTTP1
import Testing

@testable import FaztServer

@Suite struct StaticRulesTests {
    static func entry(_ mime: String = "text/html; charset=utf-8") -> FileEntry {
        FileEntry(hash: ContentHash(of: Array(mime.utf8)), size: 1, mime: mime)
    }

    static func snapshot(_ paths: [String], spa: Bool = false) -> AppSnapshot {
        var files: [String: FileEntry] = [:]
        for path in paths { files[path] = entry(MIMEType.forPath(path)) }
        return AppSnapshot(app: "a", version: 1, manifest: Manifest(spa: spa), createdAt: 0, files: files)
    }

    func resolve(_ snapshot: AppSnapshot, _ path: String, query: String? = nil) -> StaticOutcome {
        StaticResolver.resolve(snapshot, path: path, query: query)
    }

    @Test func followsTheResolutionOrder() {
        let site = Self.snapshot(["index.html", "docs/index.html", "a.css", "404.html"])
        #expect(resolve(site, "/") == .file(path: "index.html", entry: site.files["index.html"]!, notFound: false))
        #expect(resolve(site, "/a.css") == .file(path: "a.css", entry: site.files["a.css"]!, notFound: false))
        #expect(
            resolve(site, "/docs/")
                == .file(path: "docs/index.html", entry: site.files["docs/index.html"]!, notFound: false)
        )
        #expect(resolve(site, "/docs", query: "x=1") == .redirect(location: "/docs/?x=1"))
        #expect(resolve(site, "/missing") == .file(path: "404.html", entry: site.files["404.html"]!, notFound: true))
    }

    @Test func spaFallbackOnlyForExtensionlessPaths() {
        let site = Self.snapshot(["index.html"], spa: true)
        #expect(
            resolve(site, "/users/42") == .file(path: "index.html", entry: site.files["index.html"]!, notFound: false)
        )
        #expect(resolve(site, "/missing.js") == .notFound)
    }

    @Test func neverServesCodePrivateFilesOrTheManifest() {
        let site = Self.snapshot(["api/main.js", "private/key.txt", "fazt.json", "apix.txt"])
        #expect(resolve(site, "/api/main.js") == .notFound)
        #expect(resolve(site, "/private/key.txt") == .notFound)
        #expect(resolve(site, "/fazt.json") == .notFound)
        #expect(resolve(site, "/%61pi/main.js") == .notFound)
        #expect(resolve(site, "/apix.txt") != .notFound)
    }

    @Test func rejectsTraversal() {
        let site = Self.snapshot(["index.html"])
        #expect(resolve(site, "/../index.html") == .notFound)
        #expect(resolve(site, "/%2e%2e/index.html") == .notFound)
    }

    @Test func cacheControlPolicy() {
        #expect(StaticResolver.cacheControl(path: "index.html", mime: "text/html; charset=utf-8") == "no-cache")
        #expect(
            StaticResolver.cacheControl(path: "assets/index-3f9a2b1c.js", mime: "text/javascript")
                == "public, max-age=31536000, immutable"
        )
        #expect(StaticResolver.cacheControl(path: "app.js", mime: "text/javascript") == "public, max-age=300")
        #expect(StaticResolver.cacheControl(path: "a-1234567.js", mime: "text/javascript") == "public, max-age=300")
    }

    @Test func parsesByteRanges() {
        #expect(ByteRange.parse("bytes=0-9", size: 100) == .satisfiable(lower: 0, upper: 9))
        #expect(ByteRange.parse("bytes=90-", size: 100) == .satisfiable(lower: 90, upper: 99))
        #expect(ByteRange.parse("bytes=-10", size: 100) == .satisfiable(lower: 90, upper: 99))
        #expect(ByteRange.parse("bytes=50-500", size: 100) == .satisfiable(lower: 50, upper: 99))
        #expect(ByteRange.parse("bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=5-1", size: 100) == .ignored)
        #expect(ByteRange.parse("bytes=0-1,3-4", size: 100) == .ignored)
        #expect(ByteRange.parse("items=0-1", size: 100) == .ignored)
    }

    @Test func formatsHTTPDates() {
        #expect(HTTPDate.format(epochSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(epochSeconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(epochSeconds: 1_709_210_096) == "Thu, 29 Feb 2024 12:34:56 GMT")
    }

    @Test func readsAcceptEncoding() {
        #expect(StaticResponder.acceptsGzip(HTTPHeaders([("Accept-Encoding", "gzip, deflate, br")])))
        #expect(!StaticResponder.acceptsGzip(HTTPHeaders([("Accept-Encoding", "gzip;q=0, br")])))
        #expect(!StaticResponder.acceptsGzip(HTTPHeaders([("Accept-Encoding", "br")])))
        #expect(!StaticResponder.acceptsGzip(HTTPHeaders()))
    }

    @Test func blobCacheEvictsLeastRecentlyUsedPastItsBudget() {
        let cache = BlobCache(budget: 8 * 1000)
        func blob(_ seed: UInt8) -> (ContentHash, CachedBlob) {
            let hash = ContentHash(of: [seed])
            return (
                hash,
                CachedBlob(hash: hash, content: BlobContent(data: [UInt8](repeating: seed, count: 900), gzip: nil))
            )
        }
        let items = (0..<12).map { blob(UInt8($0)) }
        for (hash, value) in items.prefix(8) { cache.put(hash, value) }
        _ = cache.get(items[0].0)
        for (hash, value) in items.suffix(4) { cache.put(hash, value) }
        #expect(cache.bytes <= 8000)
        #expect(cache.get(items[0].0) != nil)
        #expect(cache.get(items[1].0) == nil)
        let (bigHash, big) = (
            ContentHash(of: [99]),
            CachedBlob(
                hash: ContentHash(of: [99]),
                content: BlobContent(data: [UInt8](repeating: 0, count: 2000), gzip: nil)
            )
        )
        cache.put(bigHash, big)
        #expect(cache.get(bigHash) == nil)
    }
}
