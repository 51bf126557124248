import Foundation
import NIOCore
import NIOHTTP1

/// The owner page on the bare domain and the server's own error pages (embedded in the binary).
enum Dashboard {
    static func response(path: String, method: HTTPMethod) -> Response {
        guard method == .GET || method == .HEAD else {
            var response = Response.text(.methodNotAllowed, "method not allowed\n")
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return response
        }
        switch path {
        case "/", "/index.html":
            return file("index.html") ?? notFound()
        case let path where path.hasPrefix(uiPrefix):
            return file(String(path.dropFirst(uiPrefix.count))) ?? notFound()
        case "/favicon.svg", "/favicon.ico":
            var response = Response.text(.ok, favicon, contentType: "image/svg+xml")
            response.headers.add(name: "Cache-Control", value: "public, max-age=86400")
            return response
        default:
            return notFound()
        }
    }

    /// The dashboard's icon (browsers ask for `/favicon.ico` on every origin).
    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0a66ff"/>\
        <path d="M10 8h13v4h-8.5v4H21v4h-6.5v6H10z" fill="#fff"/></svg>

        """

    /// Where the dashboard's scripts and styles are served (`Templates/dashboard/` in the source).
    static let uiPrefix = "/_fazt/ui/"

    /// The dashboard's files, decoded once from the binary.
    static let files: [String: [UInt8]] = {
        var files: [String: [UInt8]] = [:]
        for (path, base64) in EmbeddedTemplates.files["dashboard"] ?? [] {
            files[path] = Data(base64Encoded: base64).map { Array($0) }
        }
        return files
    }()

    /// A dashboard file with its type; scripts only from this origin, nothing inline, never framed.
    static func file(_ name: String) -> Response? {
        guard let bytes = files[name] else { return nil }
        let type: String
        switch name.split(separator: ".").last {
        case "html": type = "text/html; charset=utf-8"
        case "js": type = "text/javascript; charset=utf-8"
        case "css": type = "text/css; charset=utf-8"
        case "svg": type = "image/svg+xml"
        default: type = "application/octet-stream"
        }
        var response = Response.text(.ok, "", contentType: type)
        response.body = ByteBuffer(bytes: bytes)
        response.headers.add(name: "Cache-Control", value: "no-cache")
        response.headers.add(
            name: "Content-Security-Policy",
            value:
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        response.headers.add(name: "X-Frame-Options", value: "DENY")
        response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    static func notFound() -> Response {
        page(.notFound, title: "Not found", message: "There is no file at this address.")
    }

    static func unknownApp(_ name: String) -> Response {
        page(
            .notFound,
            title: "No such app",
            message: "No app named \u{201C}\(escape(name))\u{201D} is deployed on this server."
        )
    }

    static func unknownHost() -> Response {
        page(.notFound, title: "Unknown host", message: "This server does not serve that host name.")
    }

    private static func page(_ status: HTTPResponseStatus, title: String, message: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(title)</title>
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:10vh auto;padding:0 1rem;color:#222}
            h1{font-size:1.4rem}small{color:#888}</style></head>
            <body><h1>\(status.code) · \(title)</h1><p>\(message)</p><small>fazt</small></body></html>

            """
        var response = Response.text(status, html, contentType: "text/html; charset=utf-8")
        response.headers.add(name: "Cache-Control", value: "no-cache")
        return response
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
