/// Who is present in one channel, one member per person rather than per socket.
///
/// A member's identity is its user id when the socket has one (its connection token named a user),
/// otherwise the socket's own id. Three tabs of one user are one member with three connections:
/// the channel hears one `join` when the first opens and one `leave` when the last closes.
public struct PresenceTable: Sendable {
    /// One present identity.
    public struct Member: Sendable, Equatable {
        /// `user` when there is one, otherwise the id of the member's only socket.
        public let identity: String
        public let user: String?
        /// Sockets of this identity in the channel.
        public var connections: Int

        public init(identity: String, user: String?, connections: Int) {
            self.identity = identity
            self.user = user
            self.connections = connections
        }
    }

    /// A change others in the channel should hear about.
    public enum Change: Sendable, Equatable {
        case join(Member)
        case leave(Member)
    }

    /// Identity of each present socket.
    private var identities: [String: String] = [:]
    /// Members by identity, with the sequence number of their join (for ordering).
    private var table: [String: (member: Member, joined: UInt64)] = [:]
    private var joins: UInt64 = 0

    public init() {}

    /// Records that `socketID` is present; `.join` when its identity was not present yet.
    ///
    /// Adding a socket that is already present changes nothing.
    public mutating func add(socketID: String, user: String?) -> Change? {
        guard identities[socketID] == nil else { return nil }
        let identity = user ?? socketID
        identities[socketID] = identity
        if var entry = table[identity] {
            entry.member.connections += 1
            table[identity] = entry
            return nil
        }
        joins += 1
        let member = Member(identity: identity, user: user, connections: 1)
        table[identity] = (member, joins)
        return .join(member)
    }

    /// Records that `socketID` left; `.leave` when it was its identity's last socket.
    public mutating func remove(socketID: String) -> Change? {
        guard let identity = identities.removeValue(forKey: socketID), var entry = table[identity] else { return nil }
        entry.member.connections -= 1
        guard entry.member.connections == 0 else {
            table[identity] = entry
            return nil
        }
        table[identity] = nil
        return .leave(entry.member)
    }

    /// The present members, in the order they joined.
    public var members: [Member] {
        table.values.sorted { $0.joined < $1.joined }.map(\.member)
    }

    /// Present identities.
    public var count: Int { table.count }

    /// Present sockets.
    public var connections: Int { identities.count }

    /// Whether `socketID` is present.
    public func contains(socketID: String) -> Bool { identities[socketID] != nil }
}
