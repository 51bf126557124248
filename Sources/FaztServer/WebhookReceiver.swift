import FaztKernel
import FaztScheduler
import FaztStorage
import FaztVFS
import Foundation
import NIOCore
import NIOHTTP1

/// Receives inbound webhooks.
///
/// `POST /_hooks/<name>` on an app's host stores the event
/// `app:<app>.webhook.<name>` (`{method, body, headers, query}`) and answers 202 once it is durable.
/// A webhook listed in the manifest must carry a valid signature made with the owner's secret.
enum WebhookReceiver {
    static let maxBodyBytes = 1 << 20
    static let prefix = "/_hooks/"
    /// How old a Stripe signature timestamp may be.
    static let stripeTolerance: Int64 = 300

    static func isHookPath(_ path: String) -> Bool { path.hasPrefix(prefix) }

    /// The hook name in the path, nil when it is not a valid name.
    static func name(_ path: String) -> String? {
        let name = String(path.dropFirst(prefix.count))
        return Manifest.isWebhookName(name) ? name : nil
    }

    /// nil when the signature is valid, else why not.
    static func verify(kind: String, secret: [UInt8], body: [UInt8], headers: HTTPHeaders, now: Int64) -> String? {
        func expected(_ message: [UInt8]) -> [UInt8] { SecretBox.hmacSHA256(key: secret, message: message) }
        func matches(_ hex: Substring, _ message: [UInt8]) -> Bool {
            guard let given = SecretBox.bytes(hex: String(hex)) else { return false }
            return SecretBox.constantTimeEqual(given, expected(message))
        }
        switch kind {
        case "github":
            guard let header = headers.first(name: "X-Hub-Signature-256") else {
                return "the X-Hub-Signature-256 header is missing"
            }
            guard header.hasPrefix("sha256="), matches(header.dropFirst(7), body) else {
                return "the signature does not match"
            }
            return nil
        case "stripe":
            guard let header = headers.first(name: "Stripe-Signature") else {
                return "the Stripe-Signature header is missing"
            }
            var timestamp: Substring?
            var signatures: [Substring] = []
            for part in header.split(separator: ",") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                if pair[0] == "t" { timestamp = pair[1] } else if pair[0] == "v1" { signatures.append(pair[1]) }
            }
            guard let timestamp, let seconds = Int64(timestamp) else {
                return "the Stripe-Signature header has no timestamp"
            }
            guard abs(now / 1000 - seconds) <= stripeTolerance else { return "the Stripe signature is too old" }
            let message = Array("\(timestamp).".utf8) + body
            guard signatures.contains(where: { matches($0, message) }) else { return "the signature does not match" }
            return nil
        default:
            guard let header = headers.first(name: "X-Signature") ?? headers.first(name: "X-Signature-256") else {
                return "the X-Signature header is missing"
            }
            let hex = header.hasPrefix("sha256=") ? header.dropFirst(7) : Substring(header)
            return matches(hex, body) ? nil : "the signature does not match"
        }
    }

    /// The event data: `{method, body, headers, query}`; a JSON body is parsed, any other is text.
    static func eventData(head: HTTPRequestHead, body: [UInt8], query: String?) -> String {
        let text = String(decoding: body, as: UTF8.self)
        let parsed = (try? JSONValue.parse(text)) ?? .string(text)
        var headers: [(String, JSONValue)] = []
        for (name, value) in head.headers {
            let key = name.lowercased()
            if let index = headers.firstIndex(where: { $0.0 == key }), case .string(let earlier) = headers[index].1 {
                headers[index].1 = .string(earlier + ", " + value)
            } else {
                headers.append((key, .string(value)))
            }
        }
        var pairs: [(String, JSONValue)] = []
        for part in (query ?? "").split(separator: "&") where !part.isEmpty {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            pairs.append((decode(pair[0]), .string(pair.count > 1 ? decode(pair[1]) : "")))
        }
        return JSONValue.object([
            ("method", .string(head.method.rawValue)), ("body", parsed), ("headers", .object(headers)),
            ("query", .object(pairs)),
        ]).text
    }
}

extension HTTPHandler {
    func serveHook(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        app name: String,
        path: String,
        query: String?,
        body: ByteBuffer
    ) {
        withLiveApp(context: context, head: head, name: name) { app in
            guard head.method == .POST else {
                var response = Response.json(["error": "webhooks take POST"], status: .methodNotAllowed)
                response.headers.add(name: "Allow", value: "POST")
                self.respond(context: context, head: head, response: response)
                return
            }
            guard let hook = WebhookReceiver.name(path), let config = app.snapshot.manifest.webhooks[hook] else {
                let declared = app.snapshot.manifest.webhooks.keys.sorted()
                let hint =
                    declared.isEmpty
                    ? "this app declares no webhooks (add \"webhooks\" to its fazt.json)"
                    : "this app's webhooks: " + declared.map { WebhookReceiver.prefix + $0 }.joined(separator: ", ")
                self.respond(
                    context: context,
                    head: head,
                    response: .json(["error": "no webhook at \(path): \(hint)"], status: .notFound)
                )
                return
            }
            let services = self.services
            let appName = app.snapshot.app
            let client = context.channel.remoteAddress?.ipAddress ?? "unknown"
            if let wait = services.webhookLimits.client.take(appName + "\n" + client)
                ?? services.webhookLimits.app.take(appName)
            {
                var response = Response.json(
                    [
                        "error":
                            "too many webhook requests for \(appName); retry in \(wait) s (the owner can raise --webhook-rate-per-minute / --webhook-rate-per-ip)"
                    ],
                    status: .tooManyRequests
                )
                response.headers.add(name: "Retry-After", value: String(wait))
                self.respond(context: context, head: head, response: response)
                return
            }
            let bytes = Array(body.readableBytesView)
            let promise = context.eventLoop.makePromise(of: Response.self)
            promise.futureResult.assumeIsolated().whenSuccess { response in
                self.respond(context: context, head: head, response: response)
            }
            services.threadPool.submit { _ in
                let now = StorageExecutor.wallClock()
                if let secretName = config.secret {
                    let secret: [UInt8]?
                    do {
                        secret = try services.secrets.value(app: appName, name: secretName)
                    } catch {
                        services.logger.error(
                            "cannot read a webhook secret",
                            metadata: ["app": "\(appName)", "error": "\(error)"]
                        )
                        promise.succeed(
                            .json(["error": "the webhook's secret cannot be read"], status: .internalServerError)
                        )
                        return
                    }
                    guard let secret else {
                        services.logs.append(
                            app: appName,
                            level: "warn",
                            message:
                                "webhook \(hook): secret \(secretName) is not set (fazt secret set \(appName) \(secretName) ...)"
                        )
                        promise.succeed(.json(["error": "the webhook's secret is not set"], status: .unauthorized))
                        return
                    }
                    if let problem = WebhookReceiver.verify(
                        kind: config.signature,
                        secret: secret,
                        body: bytes,
                        headers: head.headers,
                        now: now
                    ) {
                        promise.succeed(.json(["error": "bad signature: \(problem)"], status: .unauthorized))
                        return
                    }
                }
                do {
                    let headroom = try services.store.read {
                        try StorageService.quotaHeadroom($0, app: appName, defaultQuota: services.storage.quotaBytes)
                    }
                    guard headroom > Int64(bytes.count) else {
                        promise.succeed(
                            .json(
                                ["error": "the app's storage quota is used up; the webhook was not stored"],
                                status: .insufficientStorage
                            )
                        )
                        return
                    }
                } catch {
                    promise.succeed(.json(["error": "the app's storage cannot be read"], status: .serviceUnavailable))
                    return
                }
                let event = Event(
                    app: appName,
                    type: "app:\(appName).webhook.\(hook)",
                    source: appName,
                    data: WebhookReceiver.eventData(head: head, body: bytes, query: query),
                    time: now
                )
                services.events.emit(event, persist: true) { result in
                    switch result {
                    case .success:
                        services.store.whenAllDurable {
                            promise.succeed(Self.accepted(event.id))
                        }
                    case .failure(let error):
                        services.logger.error(
                            "cannot store a webhook event",
                            metadata: ["app": "\(appName)", "error": "\(error)"]
                        )
                        promise.succeed(.json(["error": "the event could not be stored"], status: .serviceUnavailable))
                    }
                }
            }
        }
    }

    private static func accepted(_ id: String) -> Response {
        ControlAPI.rawJSON(#"{"accepted":true,"id":\#(JSONValue.quoted(id))}"#, status: .accepted)
    }
}
