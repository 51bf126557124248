import FaztKernel
import FaztRealtime
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// `/_ws` on an app host: checks the handshake, the Origin, the token and the limits, then
    /// hands the connection to a `SocketConnection`.
    func serveSocket(_ exchange: Exchange, app name: String, query: String?) {
        let head = exchange.head
        guard head.method == .GET else {
            var response = Response.text(.methodNotAllowed, "WebSocket handshakes use GET\n")
            response.headers.add(name: "Allow", value: "GET")
            return exchange.respond(response)
        }
        let accept: String
        switch SocketHandshake.accept(header: {
            head.headers[$0].isEmpty ? nil : head.headers[$0].joined(separator: ",")
        }) {
        case .success(let value): accept = value
        case .failure(let refusal): return exchange.respond(Self.response(for: refusal))
        }
        withLiveApp(exchange, name: name) { app in
            let options = app.snapshot.manifest.realtime
            let host = head.headers.first(name: "Host") ?? "\(name).\(services.configuration.domain)"
            if let refusal = SocketHandshake.check(
                origin: head.headers.first(name: "Origin"),
                host: host,
                options: options
            ) {
                return exchange.respond(Self.response(for: refusal))
            }
            let realtime = services.realtime
            let token: SocketToken?
            switch realtime.token(app: name, query: query) {
            case .success(let verified): token = verified
            case .failure(let error): return exchange.respond(.text(.forbidden, "\(error)\n"))
            }
            let address = exchange.request.clientIP ?? "unknown"
            if let reason = realtime.hub.admit(app: name, address: address) {
                return exchange.respond(.text(.tooManyRequests, "\(reason)\n"))
            }
            // Socket events only for a version with a handler; each event then runs in the
            // version live when it starts.
            var events: AppSocketEvents?
            if AppSocketEvents.handler(of: app.snapshot) != nil {
                let request = APIRequestEncoding.encode(
                    head: head,
                    path: "/_ws",
                    query: query,
                    body: ByteBuffer(),
                    ip: address
                )
                events = AppSocketEvents(app: name, request: request.json, services: services)
            }
            // permessage-deflate only when the app opts in, and only without context takeover.
            let extensions =
                options.deflate
                ? PerMessageDeflate.negotiate(
                    offers: head.headers[canonicalForm: "Sec-WebSocket-Extensions"].joined(separator: ",")
                )
                : nil
            var settings = realtime.settings(
                app: name,
                address: address,
                token: token,
                initial: options,
                events: events
            )
            settings.deflateWindowBits = extensions.map(PerMessageDeflate.serverWindowBits(answer:))
            let socketSettings = settings
            let hub = realtime.hub
            let upgrade = SocketUpgrade(
                accept: accept,
                extensions: extensions,
                makeHandler: { loop in
                    SocketConnection(
                        socketID: RealtimeServices.newSocketID(),
                        eventLoop: loop,
                        hub: hub,
                        settings: socketSettings
                    )
                },
                abandoned: { hub.release(app: name, address: address) }
            )
            exchange.complete(.upgrade(upgrade))
        }
    }

    static func response(for refusal: SocketHandshake.Refusal) -> Response {
        switch refusal {
        case .badRequest(let message):
            return .text(.badRequest, message + "\n")
        case .unsupportedVersion:
            var response = Response.text(.upgradeRequired, "only WebSocket version 13 is supported\n")
            response.headers.add(name: "Sec-WebSocket-Version", value: "13")
            return response
        case .forbidden(let message):
            return .text(.forbidden, message + "\n")
        }
    }

    /// The first value of `name` in a query string (percent-decoded).
    static func queryValue(_ name: String, in query: String?) -> String? {
        queryValues(name, in: query).first
    }

    /// Every value of `name` in a query string (percent-decoded), in order.
    static func queryValues(_ name: String, in query: String?) -> [String] {
        guard let query else { return [] }
        return query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { return nil }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
    }
}

extension FaztResponder {
    /// `/_sse?channel=a&channel=b`: the same channels as server-sent events (`Last-Event-ID` recovers).
    func serveChannelEvents(_ exchange: Exchange, app name: String, query: String?) {
        let head = exchange.head
        guard head.method == .GET else {
            var response = Response.text(.methodNotAllowed, "event streams use GET\n")
            response.headers.add(name: "Allow", value: "GET")
            return exchange.respond(response)
        }
        let names = Self.queryValues("channel", in: query)
        guard !names.isEmpty else {
            return exchange.respond(.text(.badRequest, "name at least one channel: /_sse?channel=NAME\n"))
        }
        let realtime = services.realtime
        guard names.count <= realtime.hub.limits.maxChannelsPerSocket else {
            return exchange.respond(
                .text(.badRequest, "a stream may follow \(realtime.hub.limits.maxChannelsPerSocket) channels at most\n")
            )
        }
        if let bad = names.first(where: { !ChannelPattern.isValidChannelName($0) }) {
            return exchange.respond(
                .text(.badRequest, "channel names are 1-255 printable ASCII characters without '*' (got \(bad))\n")
            )
        }
        withLiveApp(exchange, name: name) { app in
            let options = app.snapshot.manifest.realtime
            let token: SocketToken?
            switch realtime.token(app: name, query: query) {
            case .success(let verified): token = verified
            case .failure(let error): return exchange.respond(.text(.forbidden, "\(error)\n"))
            }
            let since = ChannelEventStream.positions(lastEventID: head.headers.first(name: "Last-Event-ID"))
            var subscriptions: [ChannelEventStream.Subscription] = []
            for channel in names {
                let rule = options.rule(for: channel)
                if rule.auth == .token, token?.allows(channel: channel) != true {
                    return exchange.respond(
                        .text(.forbidden, "\(channel) needs a connection token that names it: /_sse?token=...\n")
                    )
                }
                subscriptions.append(.init(channel: channel, rule: rule, since: since[channel]))
            }
            let address = exchange.request.clientIP ?? "unknown"
            if let reason = realtime.hub.admit(app: name, address: address) {
                return exchange.respond(.text(.tooManyRequests, "\(reason)\n"))
            }
            let stream = ChannelEventStream(
                app: name,
                address: address,
                user: token?.user,
                hub: realtime.hub,
                channels: subscriptions,
                loop: exchange.loop,
                clock: { RealtimeServices.nowMs() }
            )
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
            headers.add(name: "Cache-Control", value: "no-cache")
            headers.add(name: "X-Accel-Buffering", value: "no")
            var response = Response(status: .ok, headers: headers, body: ByteBuffer(string: ": channels\n\n"))
            response.omitsLength = true
            exchange.complete(.stream(response, stream))
        }
    }
}
