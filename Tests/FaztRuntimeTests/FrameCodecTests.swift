import Testing

@testable import FaztRuntime

@Suite struct FrameCodecTests {
    @Test func roundTripsMessages() throws {
        var message = WorkerMessage(type: "result", id: 42)
        message.status = 201
        message.headers = [("content-type", "text/plain"), ("x-multi", "a: b"), ("x-empty", "")]
        message.body = [0, 1, 2, 255]
        message.failure = InvocationFailure(kind: .handler, message: "boom", location: "api/x.js:3")
        let decoded = try FrameCodec.decode(FrameCodec.encode(message))
        #expect(decoded.type == "result" && decoded.id == 42 && decoded.status == 201)
        #expect(decoded.headers?.map { "\($0.0)=\($0.1)" } == ["content-type=text/plain", "x-multi=a: b", "x-empty="])
        #expect(decoded.body == [0, 1, 2, 255])
        #expect(decoded.failure?.location == "api/x.js:3" && decoded.failure?.kind == .handler)
    }

    @Test func randomBytesThrowOrDecodeButNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let payload = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? FrameCodec.decode(payload)
        }
    }

    @Test func failureKindsTravelAsTheirNames() throws {
        for kind in InvocationFailure.Kind.allCases {
            var message = WorkerMessage(type: "result", id: 1)
            message.failure = InvocationFailure(kind: kind, message: "m")
            let encoded = try FrameCodec.encode(message)
            #expect(String(decoding: encoded, as: UTF8.self).contains("\"kind\":\"\(kind.rawValue)\""))
            #expect(try FrameCodec.decode(encoded).failure?.kind == kind)
        }
    }

    @Test(
        arguments: [
            [99, 0, 0, 0, 1, 65],  // unknown tag
            [1, 0, 0, 0, 9, 65],  // length past the end
            [1, 0, 0],  // truncated field header
            [1, 0, 0, 0, 1, 65, 15, 0, 0, 0, 2, 0, 0],  // header field without its name length
            [1, 0, 0, 0, 1, 65, 15, 0, 0, 0, 5, 0, 0, 0, 9, 65],  // header name past the field
            [2, 0, 0, 0, 1, 49],  // no type
        ] as [[UInt8]]
    )
    func rejectsMalformedFrames(_ payload: [UInt8]) {
        #expect(throws: InvocationFailure.self) { try FrameCodec.decode(payload) }
    }
}
