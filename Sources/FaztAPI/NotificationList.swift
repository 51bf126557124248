/// One notification of the owner's inbox, as `GET /notifications` lists it.
public struct NotificationBody: Codable, Sendable, Equatable {
    public var id: Int64
    public var app: String
    public var title: String
    public var body: String?
    public var url: String?
    /// `low`, `normal` or `high`.
    public var priority: String
    public var tags: [String]
    /// The only channel it went to (nil: every channel).
    public var channel: String?
    /// Milliseconds since 1970.
    public var createdAt: Int64

    /// Creates a notification body.
    public init(
        id: Int64,
        app: String,
        title: String,
        body: String?,
        url: String?,
        priority: String,
        tags: [String],
        channel: String?,
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

/// `GET /notifications`, oldest first.
public struct NotificationList: Codable, Sendable {
    public var notifications: [NotificationBody]

    /// Creates a list.
    public init(notifications: [NotificationBody]) { self.notifications = notifications }
}
