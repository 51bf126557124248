import FaztVFS
import NIOCore
import NIOHTTP1

/// Builds static-file responses: validators, conditional requests, ranges and gzip.
enum StaticResponder {
    static func response(
        request: HTTPRequestHead,
        entry: FileEntry,
        blob: CachedBlob,
        cacheControl: String,
        lastModified: String,
        notFound: Bool
    ) -> Response {
        // Header lines are written straight into a buffer: this is the hot path of static hosting.
        var lines = ByteBuffer()
        lines.reserveCapacity(320)
        lines.add("Content-Type", entry.mime)
        let canGzip = blob.gzip != nil
        if canGzip { lines.add("Vary", "Accept-Encoding") }
        if notFound {
            lines.add("Cache-Control", "no-cache")
            return body(.notFound, lines, blob.data, request)
        }
        lines.add("Cache-Control", cacheControl)
        lines.add("Last-Modified", lastModified)
        lines.add("Accept-Ranges", "bytes")
        let rangeHeader = request.headers.first(name: "Range")
        let useGzip = canGzip && rangeHeader == nil && acceptsGzip(request.headers)
        lines.add("ETag", useGzip ? blob.gzipETag : blob.etag)

        if let tags = request.headers.first(name: "If-None-Match") {
            if matches(tags, blob: blob) { return notModified(lines) }
        } else if let since = request.headers.first(name: "If-Modified-Since"), since == lastModified {
            return notModified(lines)
        }
        if useGzip, let gzip = blob.gzip {
            lines.add("Content-Encoding", "gzip")
            return body(.ok, lines, gzip, request)
        }
        if let range = rangeHeader, request.method == .GET,
            ifRangeAllows(request.headers, etag: blob.etag, lastModified: lastModified)
        {
            let size = blob.data.readableBytes
            switch ByteRange.parse(range, size: size) {
            case .satisfiable(let lower, let upper):
                lines.add("Content-Range", "bytes \(lower)-\(upper)/\(size)")
                let slice = blob.data.getSlice(at: blob.data.readerIndex + lower, length: upper - lower + 1)
                return body(.partialContent, lines, slice ?? blob.data, request)
            case .unsatisfiable:
                lines.add("Content-Range", "bytes */\(size)")
                var response = Response(status: .rangeNotSatisfiable)
                response.preformatted = lines
                return response
            case .ignored:
                break
            }
        }
        return body(.ok, lines, blob.data, request)
    }

    private static func notModified(_ lines: ByteBuffer) -> Response {
        var response = Response(status: .notModified)
        response.preformatted = lines
        response.omitsLength = true
        return response
    }

    private static func body(
        _ status: HTTPResponseStatus,
        _ lines: ByteBuffer,
        _ buffer: ByteBuffer,
        _ request: HTTPRequestHead
    )
        -> Response
    {
        var response = Response(status: status, body: request.method == .HEAD ? nil : buffer)
        response.preformatted = lines
        response.declaredLength = buffer.readableBytes
        return response
    }

    /// True when `Accept-Encoding` allows gzip (and does not give it q=0).
    static func acceptsGzip(_ headers: HTTPHeaders) -> Bool {
        for value in headers[canonicalForm: "Accept-Encoding"] {
            let parts = value.lowercased().split(separator: ";").map { $0.trimmingSpaces }
            guard parts.first == "gzip" || parts.first == "*" else { continue }
            let refused = parts.dropFirst().contains { parameter in
                parameter.hasPrefix("q=") && (Double(parameter.dropFirst(2)) ?? 1) == 0
            }
            if !refused { return true }
        }
        return false
    }

    private static func matches(_ header: String, blob: CachedBlob) -> Bool {
        for raw in header.split(separator: ",") {
            var tag = raw.trimmingSpaces
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == blob.etag || tag == blob.gzipETag { return true }
        }
        return false
    }

    private static func ifRangeAllows(_ headers: HTTPHeaders, etag: String, lastModified: String) -> Bool {
        guard let condition = headers.first(name: "If-Range") else { return true }
        return condition == etag || condition == lastModified
    }
}

/// A single byte range from a `Range` header.
enum ByteRange: Equatable {
    case satisfiable(lower: Int, upper: Int)
    case unsatisfiable
    /// Malformed or multi-range: serve the whole file (RFC 9110 allows ignoring Range).
    case ignored

    static func parse(_ header: String, size: Int) -> ByteRange {
        let value = header.trimmingSpaces
        guard value.lowercased().hasPrefix("bytes=") else { return .ignored }
        let spec = value.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .ignored }
        let first = spec[..<dash].trimmingSpaces
        let last = spec[spec.index(after: dash)...].trimmingSpaces
        if first.isEmpty {
            guard let suffix = Int(last), suffix >= 0 else { return .ignored }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(lower: max(0, size - suffix), upper: size - 1)
        }
        guard let lower = Int(first), lower >= 0 else { return .ignored }
        let upper: Int
        if last.isEmpty {
            upper = size - 1
        } else {
            guard let value = Int(last), value >= lower else { return .ignored }
            upper = min(value, size - 1)
        }
        guard lower < size else { return .unsatisfiable }
        return .satisfiable(lower: lower, upper: upper)
    }
}

extension ByteBuffer {
    /// Appends one `Name: value` header line.
    fileprivate mutating func add(_ name: StaticString, _ value: String) {
        writeStaticString(name)
        writeStaticString(": ")
        writeString(value)
        writeStaticString("\r\n")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let scalars = self[...]
        let start = scalars.firstIndex { $0 != " " && $0 != "\t" } ?? scalars.endIndex
        let end = scalars.lastIndex { $0 != " " && $0 != "\t" }.map { scalars.index(after: $0) } ?? start
        return Substring(scalars[start..<Swift.max(start, end)])
    }
}
