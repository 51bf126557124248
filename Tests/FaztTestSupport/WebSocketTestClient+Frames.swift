import Foundation

extension WebSocketTestClient {
    /// One frame as it came off the wire.
    public struct Frame: Sendable {
        public var opcode: UInt8
        public var fin: Bool
        /// The three RSV bits, as the low bits (`0b100` is RSV1).
        public var rsv: UInt8
        /// Whether the server masked it (a server must not).
        public var masked: Bool
        /// The payload, unmasked.
        public var payload: [UInt8]

        /// The payload as text, or nil when it is not valid UTF-8.
        public var text: String? { String(validating: payload, as: UTF8.self) }

        /// The close code of a close frame with a body.
        public var closeCode: UInt16? {
            guard opcode == Opcode.close, payload.count >= 2 else { return nil }
            return UInt16(payload[0]) << 8 | UInt16(payload[1])
        }

        /// The reason of a close frame (empty when none).
        public var closeReason: String {
            guard opcode == Opcode.close, payload.count > 2 else { return "" }
            return String(decoding: payload[2...], as: UTF8.self)
        }
    }

    /// The bytes of one frame; `masked` (a client must mask) uses a random key.
    public static func encodeFrame(
        opcode: UInt8,
        payload: [UInt8],
        fin: Bool = true,
        rsv: UInt8 = 0,
        masked: Bool = true
    ) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 0x7) << 4 | (opcode & 0x0F)]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case 0..<126:
            bytes.append(maskBit | UInt8(payload.count))
        case 126...0xFFFF:
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> (8 * UInt64($0))) }
        }
        guard masked else { return bytes + payload }
        let key = (0..<4).map { _ in UInt8.random(in: 0...255) }
        bytes += key
        bytes.reserveCapacity(bytes.count + payload.count)
        for (index, byte) in payload.enumerated() { bytes.append(byte ^ key[index & 3]) }
        return bytes
    }

    /// Removes and returns the first complete frame in `buffer`, or nil while it is incomplete.
    func takeFrame() -> Frame? {
        guard buffer.count >= 2 else { return nil }
        let first = buffer[0]
        let second = buffer[1]
        var length = Int(second & 0x7F)
        var offset = 2
        if length == 126 {
            guard buffer.count >= 4 else { return nil }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            guard buffer.count >= 10 else { return nil }
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        let masked = second & 0x80 != 0
        let key = masked ? Array(buffer[offset..<min(offset + 4, buffer.count)]) : []
        if masked { offset += 4 }
        guard buffer.count >= offset + length else { return nil }
        var payload = Array(buffer[offset..<offset + length])
        if masked { for index in payload.indices { payload[index] ^= key[index & 3] } }
        buffer.removeFirst(offset + length)
        return Frame(
            opcode: first & 0x0F,
            fin: first & 0x80 != 0,
            rsv: first >> 4 & 0x7,
            masked: masked,
            payload: payload
        )
    }

    /// Sends one frame with full control of its header bits (for malformed-frame tests).
    public func sendFrame(
        opcode: UInt8,
        payload: [UInt8],
        fin: Bool = true,
        rsv: UInt8 = 0,
        masked: Bool = true
    ) throws {
        try sendRaw(Self.encodeFrame(opcode: opcode, payload: payload, fin: fin, rsv: rsv, masked: masked))
    }

    /// Sends one text message.
    public func send(text: String) throws { try sendFrame(opcode: Opcode.text, payload: Array(text.utf8)) }

    /// Sends one binary message.
    public func send(binary: [UInt8]) throws { try sendFrame(opcode: Opcode.binary, payload: binary) }

    /// Sends `object` as one JSON text message.
    public func send(json object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try sendFrame(opcode: Opcode.text, payload: Array(data))
    }

    /// Sends a close frame; a nil code sends one with no body.
    public func sendClose(code: UInt16? = 1000, reason: String = "") throws {
        var payload: [UInt8] = []
        if let code { payload = [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8) }
        try sendFrame(opcode: Opcode.close, payload: payload)
    }

    /// Sends a protocol ping (the pong comes back through `receive`).
    public func ping(_ payload: [UInt8] = []) throws { try sendFrame(opcode: Opcode.ping, payload: payload) }

    /// The next frame, whatever it is (pings are not answered here).
    public func receive(timeout: Duration? = nil) throws -> Frame {
        try receive(until: ContinuousClock.now + (timeout ?? self.timeout), waitingFor: "a frame")
    }

    func receive(until deadline: ContinuousClock.Instant, waitingFor what: String) throws -> Frame {
        while true {
            if let frame = takeFrame() { return frame }
            guard try fill(until: deadline, waitingFor: what) else {
                throw TestError("the server ended the connection (no close frame) while waiting for \(what)")
            }
        }
    }

    /// Reads until the server's close frame, answering it with a close frame, or until the end of the
    /// stream (then the code is nil); data frames before it are skipped, pings answered.
    public func expectClose(timeout: Duration? = nil) throws -> (code: UInt16?, reason: String) {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        while true {
            while let frame = takeFrame() {
                switch frame.opcode {
                case Opcode.close:
                    // Complete the closing handshake; the server may already be gone.
                    try? sendFrame(opcode: Opcode.close, payload: Array(frame.payload.prefix(2)))
                    return (frame.closeCode, frame.closeReason)
                case Opcode.ping:
                    try? sendFrame(opcode: Opcode.pong, payload: frame.payload)
                default:
                    continue
                }
            }
            guard try fill(until: deadline, waitingFor: "a close frame") else { return (nil, "") }
        }
    }
}
