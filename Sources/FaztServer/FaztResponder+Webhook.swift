import FaztRuntime
import FaztScheduler
import FaztStorage
import NIOCore
import NIOHTTP1

extension FaztResponder {
    /// `/_hooks/NAME`: a signed webhook, stored as an event for the app's subscriptions.
    func serveHook(_ exchange: Exchange, app name: String, path: String, query: String?) {
        let head = exchange.head
        withLiveApp(exchange, name: name) { app in
            guard head.method == .POST else {
                var response = Response.json(["error": "webhooks take POST"], status: .methodNotAllowed)
                response.headers.add(name: "Allow", value: "POST")
                exchange.respond(response)
                return
            }
            guard let hook = WebhookReceiver.name(path), let config = app.snapshot.manifest.webhooks[hook] else {
                let declared = app.snapshot.manifest.webhooks.keys.sorted()
                let hint =
                    declared.isEmpty
                    ? "this app declares no webhooks (add \"webhooks\" to its fazt.json)"
                    : "this app's webhooks: " + declared.map { WebhookReceiver.prefix + $0 }.joined(separator: ", ")
                exchange.respond(.json(["error": "no webhook at \(path): \(hint)"], status: .notFound))
                return
            }
            let appName = app.snapshot.app
            let client = exchange.request.clientIP ?? "unknown"
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
                exchange.respond(response)
                return
            }
            let bytes = Array(exchange.request.bodyBuffer.readableBytesView)
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
                        exchange.respond(
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
                        exchange.respond(.json(["error": "the webhook's secret is not set"], status: .unauthorized))
                        return
                    }
                    if let problem = WebhookReceiver.verify(
                        kind: config.signature,
                        secret: secret,
                        body: bytes,
                        headers: head.headers,
                        now: now
                    ) {
                        exchange.respond(.json(["error": "bad signature: \(problem)"], status: .unauthorized))
                        return
                    }
                }
                do {
                    let headroom = try services.store.read {
                        try StorageService.quotaHeadroom($0, app: appName, defaultQuota: services.storage.quotaBytes)
                    }
                    guard headroom > Int64(bytes.count) else {
                        exchange.respond(
                            .json(
                                ["error": "the app's storage quota is used up; the webhook was not stored"],
                                status: .insufficientStorage
                            )
                        )
                        return
                    }
                } catch {
                    exchange.respond(.json(["error": "the app's storage cannot be read"], status: .serviceUnavailable))
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
                            exchange.respond(Self.accepted(event.id))
                        }
                    case .failure(let error):
                        services.logger.error(
                            "cannot store a webhook event",
                            metadata: ["app": "\(appName)", "error": "\(error)"]
                        )
                        exchange.respond(.json(["error": "the event could not be stored"], status: .serviceUnavailable))
                    }
                }
            }
        }
    }

    private static func accepted(_ id: String) -> Response {
        ControlAPI.rawJSON(#"{"accepted":true,"id":\#(JSONValue.quoted(id))}"#, status: .accepted)
    }
}
