import FaztRealtime
import Testing

/// Presence counts people, not sockets: one join per identity, one leave when its last socket goes.
@Suite struct PresenceTableTests {
    @Test func threeConnectionsOfOneUserJoinOnceAndLeaveOnce() {
        var table = PresenceTable()
        #expect(table.add(socketID: "s1", user: "ada") == .join(.init(identity: "ada", user: "ada", connections: 1)))
        #expect(table.add(socketID: "s2", user: "ada") == nil)
        #expect(table.add(socketID: "s3", user: "ada") == nil)
        #expect(table.count == 1 && table.connections == 3)
        #expect(table.members == [.init(identity: "ada", user: "ada", connections: 3)])
        #expect(table.remove(socketID: "s1") == nil)
        #expect(table.remove(socketID: "s3") == nil)
        #expect(table.remove(socketID: "s2") == .leave(.init(identity: "ada", user: "ada", connections: 0)))
        #expect(table.count == 0 && table.connections == 0 && table.members.isEmpty)
    }

    @Test func anonymousSocketsAreTheirOwnMembers() {
        var table = PresenceTable()
        #expect(table.add(socketID: "s1", user: nil) == .join(.init(identity: "s1", user: nil, connections: 1)))
        #expect(table.add(socketID: "s2", user: nil) == .join(.init(identity: "s2", user: nil, connections: 1)))
        #expect(table.count == 2)
        #expect(table.remove(socketID: "s1") == .leave(.init(identity: "s1", user: nil, connections: 0)))
    }

    @Test func addingTwiceOrRemovingAStrangerChangesNothing() {
        var table = PresenceTable()
        _ = table.add(socketID: "s1", user: "ada")
        #expect(table.add(socketID: "s1", user: "ada") == nil)
        #expect(table.add(socketID: "s1", user: "bob") == nil)
        #expect(table.connections == 1 && table.members.first?.connections == 1)
        #expect(table.remove(socketID: "nobody") == nil)
        #expect(table.remove(socketID: "s1") != nil)
        #expect(table.remove(socketID: "s1") == nil)
    }

    @Test func membersAreListedInOrderOfFirstJoin() {
        var table = PresenceTable()
        for (socket, user) in [("1", "carol"), ("2", "ada"), ("3", "bob"), ("4", "ada")] {
            _ = table.add(socketID: socket, user: user)
        }
        #expect(table.members.map(\.identity) == ["carol", "ada", "bob"])
        _ = table.remove(socketID: "1")
        _ = table.add(socketID: "5", user: "carol")
        #expect(table.members.map(\.identity) == ["ada", "bob", "carol"])
        #expect(table.contains(socketID: "4") && !table.contains(socketID: "1"))
    }
}
