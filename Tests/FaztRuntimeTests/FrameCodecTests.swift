import FaztNet
import FaztStorage
import NIOCore
import NIOEmbedded
import Testing

@testable import FaztRuntime

@Suite struct FrameCodecTests {
    /// One of every case, with every optional field set, and again with none.
    static let frames: [WorkerFrame] = [
        .hello(.init(protocolVersion: WorkerProtocol.version)),
        .invoke(
            .init(
                id: 7,
                app: "blog",
                version: 3,
                file: "api/x.js",
                request: "{\"a\":1}",
                timeoutMs: 5000,
                capture: true
            )
        ),
        .invoke(.init(id: .max, app: "", version: -1, file: "", request: "", timeoutMs: 0)),
        .warm(.init(id: 1, app: "blog", version: 2)),
        .check(
            .init(id: 2, sources: [.init(path: "api/a.js", source: "export default 1"), .init(path: "b", source: "")])
        ),
        .check(.init(id: 3, sources: [])),
        .result(
            .init(
                id: 42,
                outcome: .response(
                    status: 201,
                    headers: [.init("content-type", "text/plain"), .init("x-multi", "a: b"), .init("x-empty", "")],
                    body: [0, 1, 2, 255]
                ),
                usedStorage: true,
                output: "line\n"
            )
        ),
        .result(.init(id: 43, outcome: .response(status: 204, headers: [], body: []))),
        .result(
            .init(
                id: 44,
                outcome: .failure(
                    InvocationFailure(kind: .handler, message: "boom", location: "api/x.js:3", stack: "at x", code: "E")
                )
            )
        ),
        .result(.init(id: 45, outcome: .failure(InvocationFailure(kind: .timeout, message: "")))),
        .checked(.init(id: 9, problems: [ScriptProblem(path: "api/a.js", location: "api/a.js:1", message: "bad")])),
        .checked(.init(id: 10, problems: [])),
        .store(
            .init(
                id: 5,
                app: "blog",
                op: .blobsPut,
                args: ["a", "", "c"],
                data: [9, 8],
                session: 77,
                timeoutMs: 250,
                pipelined: false
            )
        ),
        .store(.init(id: nil, app: "blog", op: .kvSet, args: ["k", "1"], pipelined: true)),
        .stored(.init(id: 5, outcome: .success(json: "{\"ok\":true}", data: [1, 2, 3]))),
        .stored(.init(id: 6, outcome: .success(json: "null", data: nil))),
        .stored(.init(id: 7, outcome: .failure(code: "QUOTA_EXCEEDED", message: "over"))),
        .fetch(
            .init(
                id: 11,
                app: "blog",
                url: "https://example.com/x",
                method: "POST",
                headers: [.init("a", "b")],
                body: [0, 255]
            )
        ),
        .fetch(.init(id: 12, app: "blog", url: "http://x", method: "GET", headers: [], body: nil)),
        .fetch(
            .init(
                id: 13,
                app: "blog",
                url: "http://x",
                method: "GET",
                headers: [],
                body: nil,
                auth: FetchAuth(secret: "KEY", header: "X-Key", scheme: "", connection: nil)
            )
        ),
        .fetch(
            .init(
                id: 14,
                app: "blog",
                url: "http://x",
                method: "GET",
                headers: [],
                body: nil,
                auth: .init(connection: "gh")
            )
        ),
        .fetched(
            .init(
                id: 11,
                outcome: .response(
                    status: 200,
                    headers: [.init("set-cookie", "a"), .init("set-cookie", "b")],
                    body: [7],
                    url: "u"
                )
            )
        ),
        .fetched(.init(id: 12, outcome: .failure(message: "refused by the egress policy"))),
        .log(.init(app: "blog", level: "warn", message: "careful\nnow")),
        .recycle,
        .ai(.init(id: 13, app: "blog", mode: .stream, options: #"{"prompt":"héllo"}"#)),
        .aiEvent(.init(id: 13, event: #"{"type":"text-delta","text":"hi"}"#)),
        .aiDone(.init(id: 13, outcome: .result(json: #"{"text":"hi"}"#))),
        .aiDone(.init(id: 14, outcome: .failure(code: "AI_BUDGET", message: "over the day's budget"))),
        .aiCancel(15),
        .responseStart(
            .init(
                id: 16,
                status: 200,
                headers: [.init("content-type", "text/plain")],
                body: [1, 2],
                streamed: false,
                usedStorage: true
            )
        ),
        .responseStart(.init(id: 17, status: 201, headers: [], body: [], streamed: true)),
        .responseChunk(.init(id: 17, body: [0, 255])),
        .responseEnd(.init(id: 17, error: nil)),
        .responseEnd(.init(id: 17, error: "the stream failed")),
    ]

    @Test(arguments: frames)
    func roundTripsEveryCase(_ frame: WorkerFrame) throws {
        #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == frame)
    }

    @Test func failureKindsTravelAsTheirNames() throws {
        for kind in InvocationFailure.Kind.allCases {
            let frame = WorkerFrame.result(.init(id: 1, outcome: .failure(InvocationFailure(kind: kind, message: "m"))))
            let encoded = try FrameCodec.encode(frame)
            #expect(String(decoding: encoded, as: UTF8.self).contains(kind.rawValue))
            #expect(try FrameCodec.decode(encoded) == frame)
        }
    }

    @Test func everyStorageOpTravels() throws {
        for op in StorageOp.allCases {
            let frame = WorkerFrame.store(.init(id: 1, app: "a", op: op, args: []))
            #expect(try FrameCodec.decode(FrameCodec.encode(frame)) == frame)
        }
    }

    @Test func randomBytesThrowOrDecodeButNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let payload = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? FrameCodec.decode(payload)
        }
        // Valid frames with bytes flipped, cut short or extended.
        for frame in Self.frames {
            let valid = try FrameCodec.encode(frame)
            for _ in 0..<200 {
                var mutated = valid
                switch Int.random(in: 0..<3, using: &generator) {
                case 0:
                    let index = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: mutated.removeLast(Int.random(in: 0..<mutated.count, using: &generator))
                default: mutated.append(UInt8.random(in: 0...255, using: &generator))
                }
                _ = try? FrameCodec.decode(mutated)
            }
        }
    }

    @Test(
        arguments: [
            [],  // empty
            [99],  // unknown case
            [12, 1, 0, 0, 0, 0],  // recycle with a field
            [1, 9, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 4],  // hello with a tag it does not have
            [1, 1, 0, 0, 0, 2, 0, 4],  // a number that is not 8 bytes
            [1, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 4],  // length past the end
            [1, 1, 0, 0],  // truncated field header
            [1],  // hello without its version
            [3, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1],  // warm without app and version
            [7, 2, 0, 0, 0, 1, 97, 3, 0, 0, 0, 2, 110, 111],  // store with an unknown op
            [5, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 2, 0, 0],  // header without its name length
            [5, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 5, 0, 0, 0, 9, 65],  // name past the field
            [5, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0, 0, 0, 1, 122],  // failure of an unknown kind
        ] as [[UInt8]]
    )
    func rejectsMalformedFrames(_ payload: [UInt8]) {
        #expect(throws: InvocationFailure.self) { try FrameCodec.decode(payload) }
    }

    /// The daemon's decoder cuts a byte stream into frames wherever the reads split it.
    @Test func channelDecoderReassemblesSplitFrames() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WorkerFrameDecoder()))
        var stream = ByteBuffer()
        for frame in Self.frames {
            var encoded = try WorkerFrameDecoder.frame(frame, allocator: channel.allocator)
            stream.writeBuffer(&encoded)
        }
        var decoded: [WorkerFrame] = []
        var chunkSize = 1
        while stream.readableBytes > 0 {
            let slice = stream.readSlice(length: min(chunkSize, stream.readableBytes))!
            try channel.writeInbound(slice)
            while let frame = try channel.readInbound(as: WorkerFrame.self) { decoded.append(frame) }
            chunkSize = chunkSize % 97 + 1
        }
        #expect(decoded == Self.frames)
        _ = try channel.finish()
    }

    @Test func channelDecoderRefusesAnOversizedLength() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WorkerFrameDecoder()))
        var buffer = channel.allocator.buffer(capacity: 4)
        buffer.writeInteger(UInt32(WorkerProtocol.maxFrameBytes + 1))
        #expect(throws: InvocationFailure.self) { try channel.writeInbound(buffer) }
        _ = try? channel.finish()
    }
}

extension WorkerFrame: CustomTestStringConvertible {
    public var testDescription: String { name }
}
