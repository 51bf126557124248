import NIOCore

/// Cuts a worker's output into frames (4-byte big-endian length, payload) and decodes them.
struct WorkerFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = WorkerFrame

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length > 0, length <= WorkerProtocol.maxFrameBytes else {
            throw InvocationFailure(kind: .internal, message: "bad frame length \(length)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let payload = buffer.readBytes(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(try FrameCodec.decode(payload)))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // Bytes left at the end are a frame cut short: the worker died while writing it.
        return .needMoreData
    }

    /// One frame as bytes for the pipe.
    static func frame(_ frame: WorkerFrame, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let payload = try FrameCodec.encode(frame)
        var buffer = allocator.buffer(capacity: 4 + payload.count)
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
        return buffer
    }
}

/// The end of a worker channel's pipeline: hands frames, errors and the close to the `WorkerHandle`.
final class WorkerInboundHandler: ChannelInboundHandler {
    typealias InboundIn = WorkerFrame

    private let received: (WorkerFrame) -> Void
    private let failed: (Error) -> Void
    private let closed: () -> Void

    init(
        received: @escaping (WorkerFrame) -> Void,
        failed: @escaping (Error) -> Void,
        closed: @escaping () -> Void
    ) {
        self.received = received
        self.failed = failed
        self.closed = closed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failed(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
    }
}
