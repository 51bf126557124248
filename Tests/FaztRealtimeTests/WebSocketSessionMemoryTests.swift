import NIOCore
import NIOWebSocket
import Testing

@testable import FaztRealtime

/// What an idle socket's protocol state costs (the target is 4 KB per socket, all parts together).
@Suite struct WebSocketSessionMemoryTests {
    private typealias Frames = WebSocketTestFrames

    @Test func holdsABufferOnlyWhileAFragmentedMessageIsOpen() throws {
        var session = WebSocketSession()
        _ = try session.receive(Frames.client(.text, "whole"))
        #expect(!session.holdsReassemblyBuffer, "a message in one frame needs no reassembly")
        _ = try session.receive(Frames.client(.binary, [1, 2], fin: false))
        #expect(session.holdsReassemblyBuffer)
        _ = try session.receive(Frames.client(.ping, [7]))
        #expect(session.holdsReassemblyBuffer)
        _ = try session.receive(Frames.client(.continuation, [3]))
        #expect(!session.holdsReassemblyBuffer)
    }

    @Test func releasesTheBufferWhenTheConnectionFailsMidMessage() throws {
        var session = WebSocketSession()
        _ = try session.receive(Frames.client(.text, "half", fin: false))
        #expect(session.holdsReassemblyBuffer)
        _ = try session.receive(Frames.client(.text, "other"))
        #expect(session.state == .closed)
        #expect(!session.holdsReassemblyBuffer)
    }

    @Test func theSessionItselfIsSmall() {
        #expect(MemoryLayout<WebSocketSession>.size <= 256)
    }
}
