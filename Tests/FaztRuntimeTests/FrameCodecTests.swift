import Testing

@testable import FaztRuntime

@Suite struct FrameCodecTests {
    @Test func roundTripsMessages() throws {
        var message = WorkerMessage(type: "result", id: 42)
        message.status = 201
        message.headers = "content-type\ntext/plain"
        message.body = [0, 1, 2, 255]
        message.failure = InvocationFailure(kind: .handler, message: "boom", location: "api/x.js:3")
        let decoded = try FrameCodec.decode(FrameCodec.encode(message))
        #expect(decoded.type == "result" && decoded.id == 42 && decoded.status == 201)
        #expect(decoded.headers == "content-type\ntext/plain" && decoded.body == [0, 1, 2, 255])
        #expect(decoded.failure?.location == "api/x.js:3" && decoded.failure?.kind == .handler)
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
            [2, 0, 0, 0, 1, 49],  // no type
        ] as [[UInt8]]
    )
    func rejectsMalformedFrames(_ payload: [UInt8]) {
        #expect(throws: InvocationFailure.self) { try FrameCodec.decode(payload) }
    }
}
