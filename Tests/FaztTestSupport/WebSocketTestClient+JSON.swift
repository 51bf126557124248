import Foundation

extension WebSocketTestClient {
    /// The next complete data message (fragments joined); protocol pings are answered with pongs and
    /// pongs skipped; a close frame is an error naming its code.
    public func receiveMessage(timeout: Duration? = nil) throws -> (opcode: UInt8, payload: [UInt8]) {
        try receiveMessage(until: ContinuousClock.now + (timeout ?? self.timeout), waitingFor: "a message")
    }

    func receiveMessage(
        until deadline: ContinuousClock.Instant,
        waitingFor what: String
    ) throws -> (opcode: UInt8, payload: [UInt8]) {
        var started: (opcode: UInt8, payload: [UInt8])?
        while true {
            let frame = try receive(until: deadline, waitingFor: what)
            switch frame.opcode {
            case Opcode.ping:
                try sendFrame(opcode: Opcode.pong, payload: frame.payload)
            case Opcode.pong:
                continue
            case Opcode.close:
                let code = frame.closeCode.map { "\($0)" } ?? "none"
                throw TestError(
                    "the server closed the socket (code \(code), reason '\(frame.closeReason)') while waiting for \(what)"
                )
            case Opcode.continuation:
                guard var message = started else { throw TestError("a continuation frame that continues nothing") }
                message.payload += frame.payload
                if frame.fin { return message }
                started = message
            case Opcode.text, Opcode.binary:
                guard started == nil else { throw TestError("a new message inside a fragmented one") }
                if frame.fin { return (frame.opcode, frame.payload) }
                started = (frame.opcode, frame.payload)
            default:
                throw TestError("a frame with the unknown opcode \(frame.opcode)")
            }
        }
    }

    /// The next text message parsed as a JSON object. JSON `{"type":"ping"}` messages are returned
    /// like any other unless `skipPings`.
    public func receiveJSON(timeout: Duration? = nil, skipPings: Bool = false) throws -> [String: Any] {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        while true {
            let object = try nextJSON(until: deadline, waitingFor: "a JSON message")
            if skipPings && object["type"] as? String == "ping" { continue }
            return object
        }
    }

    /// The next JSON message whose `type` is `type`; others are skipped (and named if none comes).
    public func receiveJSON(type: String, timeout: Duration? = nil) throws -> [String: Any] {
        let deadline = ContinuousClock.now + (timeout ?? self.timeout)
        var skipped: [String] = []
        while true {
            let object: [String: Any]
            do {
                object = try nextJSON(until: deadline, waitingFor: "a '\(type)' message")
            } catch is TimedOut {
                throw TimedOut(waitingFor: "a '\(type)' message (skipped: \(skipped.suffix(10)))")
            }
            if object["type"] as? String == type { return object }
            skipped.append(Self.describe(object))
        }
    }

    /// The next JSON message (pings skipped unless asked for), or nil when none arrives in `timeout`:
    /// for checking that nothing more comes.
    public func receiveJSONIfAny(timeout: Duration, skipPings: Bool = true) throws -> [String: Any]? {
        do {
            return try receiveJSON(timeout: timeout, skipPings: skipPings)
        } catch is TimedOut {
            return nil
        }
    }

    private func nextJSON(until deadline: ContinuousClock.Instant, waitingFor what: String) throws -> [String: Any] {
        let message = try receiveMessage(until: deadline, waitingFor: what)
        guard message.opcode == Opcode.text else {
            throw TestError("a binary message of \(message.payload.count) bytes while waiting for \(what)")
        }
        let parsed = try? JSONSerialization.jsonObject(with: Data(message.payload), options: [.fragmentsAllowed])
        guard let object = parsed as? [String: Any] else {
            throw TestError("not a JSON object: \(String(decoding: message.payload.prefix(200), as: UTF8.self))")
        }
        return object
    }

    /// A short rendering of a message for failure messages.
    public static func describe(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            return "\(object)"
        }
        return String(decoding: data.prefix(300), as: UTF8.self)
    }
}
