import NIOCore
import NIOWebSocket

/// The RFC 6455 protocol state of one socket, after the frame parser.
///
/// `WebSocketFrameParser` checks frame lengths and that control frames are short and whole;
/// everything else is here: masking, reserved bits and opcodes, fragment reassembly and its
/// limits, UTF-8 of text and close reasons, ping answers and the close handshake. The session does
/// no I/O: each call appends what the connection handler must do to `actions`.
public struct WebSocketSession {
    /// Where the close handshake stands.
    public enum State: Sendable, Equatable {
        /// Messages flow both ways.
        case open
        /// We sent a close frame and wait for the peer's.
        case closing
        /// The handshake is over or the connection failed: nothing more is read or written.
        case closed
    }

    /// What the connection handler does in answer to a frame or event, in order.
    public enum Action: Sendable, Equatable {
        /// A complete, valid UTF-8 text message (after reassembly).
        case text(String)
        /// A complete binary message (after reassembly).
        case binary(ByteBuffer)
        /// Frame bytes to send (a pong, a close).
        case write(ByteBuffer)
        /// A frame arrived: the read deadline restarts (answers to our pings count).
        case alive
        /// Close the TCP connection once pending writes are flushed.
        case closeAfterWrite
    }

    /// The data message being reassembled from fragments.
    private enum MessageKind {
        case text
        case binary
    }

    /// The protocol state.
    public private(set) var state: State = .open
    /// The code of the close, ours or the peer's (`CloseCode.noStatusReceived` for a close without
    /// a code); nil while open.
    public private(set) var closeCode: UInt16?
    /// The reason that came with `closeCode`.
    public private(set) var closeReason = ""
    /// Whether frames may set RSV1: permessage-deflate (RFC 7692) was negotiated, and RSV1 on the
    /// first frame of a message means the message is compressed (inflated before the UTF-8 check).
    public var allowsRSV1 = false

    // 32-bit and no allocator copy: the session is part of every idle socket, so its size counts.
    private let maxMessageBytes: Int32
    private let maxFragments: Int32
    private var allocator: ByteBufferAllocator { ByteBufferAllocator() }

    /// The data message in progress, nil between messages.
    private var message: MessageKind?
    /// The fragments of the message in progress.
    ///
    /// Nil between messages, so an idle socket holds no buffer; a message in one frame never uses it.
    private var reassembly: ByteBuffer?
    private var messageFrames = 0
    private var messageBytes = 0
    /// The message in progress is compressed (its first frame set RSV1).
    private var compressed = false
    private var validator = UTF8Validator()

    /// Whether a buffer is held for a fragmented message (never between messages).
    var holdsReassemblyBuffer: Bool { self.reassembly != nil }

    /// Creates the session of a socket that has just been upgraded.
    public init(limits: RealtimeLimits = .init()) {
        self.maxMessageBytes = Int32(clamping: limits.maxMessageBytes)
        self.maxFragments = Int32(clamping: limits.maxFragments)
    }

    /// Takes one decoded frame from the peer.
    public mutating func receive(_ frame: WebSocketFrame, into actions: inout [Action]) {
        switch self.state {
        case .closed:
            return
        case .closing:
            // We said goodbye: only the peer's close matters now, anything else is dropped unread.
            guard frame.opcode == .connectionClose else { return }
            self.state = .closed
            actions.append(.closeAfterWrite)
            return
        case .open:
            break
        }
        if let violation = self.headerViolation(frame) {
            self.fail(code: CloseCode.protocolError, reason: violation, into: &actions)
            return
        }
        actions.append(.alive)
        switch frame.opcode {
        case .text:
            self.receiveData(frame, starting: .text, into: &actions)
        case .binary:
            self.receiveData(frame, starting: .binary, into: &actions)
        case .continuation:
            self.receiveData(frame, starting: nil, into: &actions)
        case .ping:
            actions.append(.write(WebSocketFrameBytes.pong(payload: frame.unmaskedData, allocator: self.allocator)))
        case .pong:
            break
        case .connectionClose:
            self.receiveClose(frame, into: &actions)
        default:
            // headerViolation refused every other opcode.
            self.fail(code: CloseCode.protocolError, reason: "reserved opcode", into: &actions)
        }
    }

    /// Starts a close from our side: sends our close frame and waits for the peer's (no-op unless open).
    public mutating func close(code: UInt16, reason: String, into actions: inout [Action]) {
        guard self.state == .open else { return }
        self.endMessage()
        self.state = .closing
        self.closeCode = code
        self.closeReason = reason
        actions.append(.write(WebSocketFrameBytes.close(code: code, reason: reason, allocator: self.allocator)))
    }

    /// Fails the connection for bytes the frame parser refused: 1009 for a frame over the size
    /// limit, 1002 for a malformed header (a fragmented or long control frame, a bad length).
    public mutating func failed(_ failure: WebSocketFrameParser.Failure, into actions: inout [Action]) {
        switch self.state {
        case .closed:
            return
        case .closing:
            // Our close frame is already out; a second one is not allowed.
            self.endMessage()
            self.state = .closed
            actions.append(.closeAfterWrite)
        case .open:
            switch failure {
            case .tooBig: self.fail(code: CloseCode.messageTooBig, reason: "frame too big", into: &actions)
            case .invalidHeader: self.fail(code: CloseCode.protocolError, reason: "invalid frame", into: &actions)
            }
        }
    }

    /// The peer did not answer our close frame in time: give up on the handshake.
    public mutating func closeTimedOut(into actions: inout [Action]) {
        guard self.state == .closing else { return }
        self.state = .closed
        actions.append(.closeAfterWrite)
    }

    /// Why `frame` breaks RFC 6455 §5 whatever the state of the message, or nil.
    private func headerViolation(_ frame: WebSocketFrame) -> String? {
        // §5.1: a server closes the connection on an unmasked frame.
        guard frame.maskKey != nil else { return "unmasked frame" }
        // §5.2: reserved bits stay clear unless an extension gives them a meaning.
        if frame.rsv2 || frame.rsv3 { return "reserved bit set" }
        if frame.rsv1 {
            let startsMessage = frame.opcode == .text || frame.opcode == .binary
            guard self.allowsRSV1, startsMessage else { return "reserved bit set" }
        }
        switch frame.opcode {
        case .continuation, .text, .binary, .ping, .pong, .connectionClose:
            break
        default:
            return "reserved opcode"
        }
        // §5.5: the frame parser already refuses these; checked again so the rule does not depend on it.
        if frame.opcode.isControlOpcode, !frame.fin || frame.length > 125 {
            return "invalid control frame"
        }
        return nil
    }

    /// A text, binary or continuation frame; `starting` is nil for a continuation.
    private mutating func receiveData(_ frame: WebSocketFrame, starting: MessageKind?, into actions: inout [Action]) {
        if let starting {
            guard self.message == nil else {
                self.fail(code: CloseCode.protocolError, reason: "message not finished", into: &actions)
                return
            }
            self.message = starting
            self.compressed = frame.rsv1
        } else if self.message == nil {
            self.fail(code: CloseCode.protocolError, reason: "no message to continue", into: &actions)
            return
        }
        self.messageFrames += 1
        self.messageBytes += frame.length
        guard self.messageFrames <= Int(self.maxFragments) else {
            self.fail(code: CloseCode.messageTooBig, reason: "too many fragments", into: &actions)
            return
        }
        guard self.messageBytes <= Int(self.maxMessageBytes) else {
            self.fail(code: CloseCode.messageTooBig, reason: "message too big", into: &actions)
            return
        }
        var payload = frame.unmaskedData
        if self.message == .text, !self.compressed {
            // Checked per fragment, so invalid text fails on the fragment that makes it invalid.
            guard self.validator.feed(payload), !frame.fin || self.validator.isComplete else {
                self.fail(code: CloseCode.invalidPayload, reason: "invalid UTF-8", into: &actions)
                return
            }
        }
        if self.reassembly == nil {
            guard frame.fin else {
                // The first fragment's own buffer becomes the reassembly buffer: no copy.
                self.reassembly = payload
                return
            }
        } else {
            self.reassembly?.writeBuffer(&payload)
            guard frame.fin else { return }
            payload = self.reassembly ?? payload
        }
        let kind = self.message
        if self.compressed {
            switch PerMessageDeflate.decompress(payload, limit: Int(self.maxMessageBytes)) {
            case .message(let inflated): payload = inflated
            case .tooLarge:
                self.fail(code: CloseCode.messageTooBig, reason: "message too big", into: &actions)
                return
            case .invalid:
                self.fail(code: CloseCode.invalidPayload, reason: "invalid compressed data", into: &actions)
                return
            }
            if kind == .text, !UTF8Validator.isValid(payload) {
                self.fail(code: CloseCode.invalidPayload, reason: "invalid UTF-8", into: &actions)
                return
            }
        }
        self.endMessage()
        if kind == .text {
            actions.append(.text(String(buffer: payload)))
        } else {
            actions.append(.binary(payload))
        }
    }

    /// The peer's close frame while open (§5.5.1, §7.4): answer it and end the connection.
    private mutating func receiveClose(_ frame: WebSocketFrame, into actions: inout [Action]) {
        var payload = frame.unmaskedData
        guard payload.readableBytes > 0 else {
            self.endMessage()
            self.state = .closed
            self.closeCode = CloseCode.noStatusReceived
            let empty = WebSocketFrameBytes.encode(
                opcode: .connectionClose,
                payload: [UInt8](),
                allocator: self.allocator
            )
            actions.append(.write(empty))
            actions.append(.closeAfterWrite)
            return
        }
        guard let code = payload.readInteger(as: UInt16.self) else {
            self.fail(code: CloseCode.protocolError, reason: "close payload of 1 byte", into: &actions)
            return
        }
        guard Self.isValidReceivedCloseCode(code) else {
            self.fail(code: CloseCode.protocolError, reason: "invalid close code", into: &actions)
            return
        }
        guard UTF8Validator.isValid(payload) else {
            self.fail(code: CloseCode.invalidPayload, reason: "invalid UTF-8", into: &actions)
            return
        }
        self.endMessage()
        self.state = .closed
        self.closeCode = code
        self.closeReason = String(buffer: payload)
        actions.append(.write(WebSocketFrameBytes.close(code: code, allocator: self.allocator)))
        actions.append(.closeAfterWrite)
    }

    /// Fails the connection (§7.1.7): our close frame with `code`, then the TCP close without
    /// waiting for the peer's answer.
    private mutating func fail(code: UInt16, reason: String, into actions: inout [Action]) {
        self.endMessage()
        self.state = .closed
        self.closeCode = code
        self.closeReason = reason
        actions.append(.write(WebSocketFrameBytes.close(code: code, reason: reason, allocator: self.allocator)))
        actions.append(.closeAfterWrite)
    }

    /// Forgets the message in progress and releases its buffer.
    private mutating func endMessage() {
        self.message = nil
        self.reassembly = nil
        self.messageFrames = 0
        self.messageBytes = 0
        self.compressed = false
        self.validator = UTF8Validator()
    }

    /// Whether a peer may send `code` (§7.4.1, §7.4.2 and the IANA registry): 1004–1006 and 1015
    /// are never sent, 1016–2999 are unassigned, 3000–4999 belong to libraries and applications.
    static func isValidReceivedCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}

extension CloseCode {
    /// The close frame had no code (RFC 6455 §7.4.1): reported to the app, never sent.
    public static let noStatusReceived: UInt16 = 1005
}
