import FaztKernel
import Foundation
import NIOCore
import NIOHTTP1

/// The answers of an owner-only app to requests without valid credentials, and its sign-in form.
///
/// The form POSTs the token to `/_fazt/session` on the app's own host, so the token travels in a
/// request body, never in a URL (URLs end up in logs, history and `Referer`).
enum OwnerLoginPage {
    /// Where the sign-in form posts (on the app's host).
    static let sessionPath = "/_fazt/session"

    /// The JSON answer for clients that are not browsers.
    static let privateMessage = "this app is private: send the owner's token (Authorization: Bearer …)"

    /// `401`: the sign-in form for browsers (`Accept: text/html`), else JSON.
    static func challenge(for head: HTTPRequestHead, next: String? = nil, failed: Bool = false) -> Response {
        var response: Response
        let accept = head.headers[canonicalForm: "Accept"].contains { $0.lowercased().contains("text/html") }
        if accept {
            let page = html(next: safeNext(next ?? head.uri), failed: failed)
            response = .text(.unauthorized, page, contentType: "text/html; charset=utf-8")
            response.headers.add(name: "Cache-Control", value: "no-store")
            response.headers.add(name: "Content-Security-Policy", value: "frame-ancestors 'none'")
        } else {
            let message = failed ? "that token is not valid: send the owner's token" : privateMessage
            response = .json(["error": message], status: .unauthorized)
        }
        response.headers.add(name: "WWW-Authenticate", value: "Bearer")
        return response
    }

    /// `303` back to `next` with the new session's cookie.
    static func signedIn(session id: String, next: String) -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Location", value: safeNext(next))
        headers.add(
            name: "Set-Cookie",
            value: "\(OwnerCredential.cookieName)=\(id); HttpOnly; SameSite=Lax; Path=/; "
                + "Max-Age=\(OwnerSessions.lifetimeMs / 1000)"
        )
        headers.add(name: "Cache-Control", value: "no-store")
        return Response(status: .seeOther, headers: headers)
    }

    /// `next` when it is a path on this host, else `/` (no open redirect, no header injection).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.utf8.count <= 2048,
            next.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F })
        else { return "/" }
        return next
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    static func formFields(_ body: ByteBuffer) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body.readableBytesView, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let plain = text.replacingOccurrences(of: "+", with: " ")
                return plain.removingPercentEncoding ?? plain
            }
            let key = decode(parts[0])
            if fields[key] == nil { fields[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    static func html(next: String, failed: Bool) -> String {
        let notice = failed ? "<p role=\"alert\"><strong>That token is not valid.</strong></p>\n" : ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Private app</title></head>
            <body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem">
            <h1>This app is private</h1>
            <p>Sign in with an owner token (<code>fazt token create</code> prints a new one).</p>
            \(notice)<form method="post" action="\(sessionPath)">
            <input type="hidden" name="next" value="\(escape(next))">
            <label>Owner token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
            <button type="submit">Sign in</button>
            </form>
            </body></html>

            """
    }

    private static func escape(_ text: String) -> String { Dashboard.escape(text) }
}
