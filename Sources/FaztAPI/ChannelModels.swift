/// The answer to `POST /apps/{name}/channels/{channel}/messages`.
public struct PublishedBody: Codable, Sendable, Equatable {
    public var app: String
    public var channel: String
    /// The message's offset in the channel (recovery counts from it).
    public var offset: UInt64

    public init(app: String, channel: String, offset: UInt64) {
        self.app = app
        self.channel = channel
        self.offset = offset
    }
}

/// `GET /apps/{name}/channels/{channel}`: who is listening.
public struct ChannelBody: Codable, Sendable, Equatable {
    /// One present client (deduplicated by user id).
    public struct Member: Codable, Sendable, Equatable {
        public var id: String
        public var user: String?
        public var connections: Int

        public init(id: String, user: String?, connections: Int) {
            self.id = id
            self.user = user
            self.connections = connections
        }
    }

    public var app: String
    public var channel: String
    public var subscribers: Int
    public var presence: [Member]

    public init(app: String, channel: String, subscribers: Int, presence: [Member]) {
        self.app = app
        self.channel = channel
        self.subscribers = subscribers
        self.presence = presence
    }
}

/// `GET /apps/{name}/channels`: the app's open channels and connected sockets.
public struct RealtimeOverview: Codable, Sendable, Equatable {
    public struct Channel: Codable, Sendable, Equatable {
        public var name: String
        /// Sockets subscribed now.
        public var subscribers: Int
        /// Present identities (deduplicated by user).
        public var present: Int
        /// The newest message's offset (0 before the first).
        public var offset: UInt64

        public init(name: String, subscribers: Int, present: Int, offset: UInt64) {
            self.name = name
            self.subscribers = subscribers
            self.present = present
            self.offset = offset
        }
    }

    public struct Socket: Codable, Sendable, Equatable {
        public var id: String
        public var user: String?
        public var tags: [String]
        public var channels: [String]

        public init(id: String, user: String?, tags: [String], channels: [String]) {
            self.id = id
            self.user = user
            self.tags = tags
            self.channels = channels
        }
    }

    public var app: String
    public var channels: [Channel]
    public var sockets: [Socket]

    public init(app: String, channels: [Channel], sockets: [Socket]) {
        self.app = app
        self.channels = channels
        self.sockets = sockets
    }
}
