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
        var headers = HTTPHeaders()
        headers.reserveCapacity(10)
        headers.add(name: "Content-Type", value: entry.mime)
        let canGzip = blob.gzip != nil
        if canGzip { headers.add(name: "Vary", value: "Accept-Encoding") }
        if notFound {
            headers.add(name: "Cache-Control", value: "no-cache")
            return body(status: .notFound, headers: headers, buffer: blob.data, request: request)
        }
        headers.add(name: "Cache-Control", value: cacheControl)
        headers.add(name: "Last-Modified", value: lastModified)
        headers.add(name: "Accept-Ranges", value: "bytes")
        let useGzip = canGzip && acceptsGzip(request.headers) && !request.headers.contains(name: "Range")
        let etag = useGzip ? blob.gzipETag : blob.etag
        headers.add(name: "ETag", value: etag)

        if let tags = request.headers.first(name: "If-None-Match") {
            if matches(tags, blob: blob) { return Response(status: .notModified, headers: headers) }
        } else if let since = request.headers.first(name: "If-Modified-Since"), since == lastModified {
            return Response(status: .notModified, headers: headers)
        }
        if useGzip, let gzip = blob.gzip {
            headers.add(name: "Content-Encoding", value: "gzip")
            return body(status: .ok, headers: headers, buffer: gzip, request: request)
        }
        if let range = request.headers.first(name: "Range"), request.method == .GET,
            ifRangeAllows(request.headers, etag: blob.etag, lastModified: lastModified)
        {
            let size = blob.data.readableBytes
            switch ByteRange.parse(range, size: size) {
            case .satisfiable(let lower, let upper):
                headers.add(name: "Content-Range", value: "bytes \(lower)-\(upper)/\(size)")
                let slice = blob.data.getSlice(at: blob.data.readerIndex + lower, length: upper - lower + 1)
                return body(status: .partialContent, headers: headers, buffer: slice ?? blob.data, request: request)
            case .unsatisfiable:
                headers.add(name: "Content-Range", value: "bytes */\(size)")
                headers.add(name: "Content-Length", value: "0")
                return Response(status: .rangeNotSatisfiable, headers: headers)
            case .ignored:
                break
            }
        }
        return body(status: .ok, headers: headers, buffer: blob.data, request: request)
    }

    private static func body(
        status: HTTPResponseStatus,
        headers: HTTPHeaders,
        buffer: ByteBuffer,
        request: HTTPRequestHead
    )
        -> Response
    {
        var headers = headers
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        return Response(status: status, headers: headers, body: request.method == .HEAD ? nil : buffer)
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

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let scalars = self[...]
        let start = scalars.firstIndex { $0 != " " && $0 != "\t" } ?? scalars.endIndex
        let end = scalars.lastIndex { $0 != " " && $0 != "\t" }.map { scalars.index(after: $0) } ?? start
        return Substring(scalars[start..<Swift.max(start, end)])
    }
}
