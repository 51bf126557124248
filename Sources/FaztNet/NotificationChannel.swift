import Foundation

/// A notification: what the owner's inbox stores and lists and what channels deliver.
public struct NotificationMessage: Sendable, Codable, Equatable {
    public var id: Int64
    public var app: String
    public var title: String
    public var body: String?
    public var url: String?
    /// `low`, `normal` or `high`.
    public var priority: String
    public var tags: [String]
    /// The only channel it goes to (nil: every channel).
    public var channel: String?
    /// ms since 1970.
    public var createdAt: Int64

    public init(
        id: Int64,
        app: String,
        title: String,
        body: String?,
        url: String?,
        priority: String,
        tags: [String],
        channel: String? = nil,
        createdAt: Int64
    ) {
        self.id = id
        self.app = app
        self.title = title
        self.body = body
        self.url = url
        self.priority = priority
        self.tags = tags
        self.channel = channel
        self.createdAt = createdAt
    }
}

/// Where the owner's notifications go: a generic webhook (JSON POST), ntfy, Slack and Discord
/// incoming webhooks, a Telegram bot, or email over SMTP.
public struct NotificationChannel: Sendable, Codable, Equatable {
    public static let types = ["webhook", "ntfy", "slack", "discord", "telegram", "email"]

    public var name: String
    public var type: String
    /// Webhook/ntfy/Slack/Discord URL; Telegram API base (default `https://api.telegram.org`);
    /// email: the SMTP server (`smtp://host:587`, `smtps://host:465`).
    public var url: String?
    /// Email recipients.
    public var to: [String]?
    /// Email sender.
    public var from: String?
    /// SMTP user and password, or the Telegram bot token (`password`).
    public var user: String?
    public var password: String?
    /// Telegram chat id.
    public var chat: String?

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }

    /// Checks that the fields the type needs are there; returns a message when not.
    public func problem() -> String? {
        guard Self.types.contains(type) else { return "type must be one of \(Self.types.joined(separator: ", "))" }
        switch type {
        case "telegram":
            if password == nil { return "a telegram channel needs --bot-token" }
            if chat == nil { return "a telegram channel needs --chat (the chat id)" }
        case "email":
            guard let url, url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                return "an email channel needs --url smtp://host:port (or smtps://)"
            }
            if (to ?? []).isEmpty { return "an email channel needs --to ADDRESS" }
        default:
            guard let url, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                return "a \(type) channel needs --url http(s)://…"
            }
        }
        return nil
    }

    /// Delivers `message` (blocking); throws with the reason on any failure or non-2xx answer.
    ///
    /// The reason never contains the channel's URL or credentials (they often carry tokens, and
    /// failures reach run history and `system.notify.failed` events, which apps can read).
    public func deliver(_ message: NotificationMessage) throws {
        do {
            try send(message)
        } catch {
            var text = "\(error)"
            for secret in [url, password, user].compactMap({ $0 }) where secret.count >= 4 {
                text = text.replacingOccurrences(of: secret, with: "<\(name)>")
            }
            throw HTTPClientError(message: text)
        }
    }

    private func send(_ message: NotificationMessage) throws {
        let text = [message.title, message.body, message.url].compactMap { $0 }.filter { !$0.isEmpty }.joined(
            separator: "\n"
        )
        switch type {
        case "email":
            let sender = from ?? "fazt@localhost"
            let date = Self.rfc5322Date(message.createdAt)
            let bytes = SMTPClient.message(
                from: sender,
                to: to ?? [],
                subject: "[\(message.app)] \(message.title)",
                body: [message.body, message.url].compactMap { $0 }.joined(separator: "\n\n"),
                date: date,
                messageID: "\(message.id).\(message.createdAt)@fazt"
            )
            try SMTPClient.send(
                url: url ?? "",
                from: sender,
                to: to ?? [],
                user: user,
                password: password,
                message: bytes
            )
        case "ntfy":
            var headers = [
                "Title: \(Self.headerValue(message.title))",
                "Priority: \(["low": "2", "high": "5"][message.priority] ?? "3")",
            ]
            if !message.tags.isEmpty {
                headers.append("Tags: \(Self.headerValue(message.tags.joined(separator: ",")))")
            }
            if let link = message.url { headers.append("Click: \(Self.headerValue(link))") }
            try post(url ?? "", headers: headers, body: Array((message.body ?? message.title).utf8))
        case "slack":
            try postJSON(url ?? "", ["text": "*\(message.title)*" + (text.dropFirst(message.title.count))])
        case "discord":
            try postJSON(url ?? "", ["content": "**\(message.title)**" + (text.dropFirst(message.title.count))])
        case "telegram":
            let base = url ?? "https://api.telegram.org"
            try postJSON(
                "\(base)/bot\(password ?? "")/sendMessage",
                ["chat_id": chat ?? "", "text": text]
            )
        default:
            try post(
                url ?? "",
                headers: ["Content-Type: application/json"],
                body: Array(try JSONEncoder().encode(message))
            )
        }
    }

    private func postJSON(_ url: String, _ fields: [String: String]) throws {
        try post(url, headers: ["Content-Type: application/json"], body: Array(try JSONEncoder().encode(fields)))
    }

    private func post(_ url: String, headers: [String], body: [UInt8]) throws {
        let response = try HTTPClient.perform(
            method: "POST",
            url: url,
            headers: headers,
            body: body,
            timeoutSeconds: 30
        )
        guard (200..<300).contains(response.status) else {
            throw HTTPClientError(message: "\(name): HTTP \(response.status) \(response.text.prefix(200))")
        }
    }

    static func headerValue(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func rfc5322Date(_ milliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
