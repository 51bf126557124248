/// Decoding the frames of a response that leaves before its invocation ends.
extension FrameCodec {
    static func decodeResponseStart(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.ResponseStart
    {
        var id: UInt64?
        var status: Int?
        var headers: [HeaderField] = []
        var body: [UInt8] = []
        var streamed = false
        var usedStorage = false
        while let (tag, bytes) = try fields.next() {
            switch ResponseStartTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .status: status = try FieldReader.int(bytes)
            case .header:
                let (name, value) = try FieldReader.pair(bytes)
                headers.append(HeaderField(name, value))
            case .body: body = Array(bytes)
            case .streamed: streamed = true
            case .usedStorage: usedStorage = true
            case nil: throw malformed
            }
        }
        return WorkerFrame.ResponseStart(
            id: try required(id),
            status: try required(status),
            headers: headers,
            body: body,
            streamed: streamed,
            usedStorage: usedStorage
        )
    }

    static func decodeResponseChunk(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.ResponseChunk
    {
        var id: UInt64?
        var body: [UInt8] = []
        while let (tag, bytes) = try fields.next() {
            switch ResponseChunkTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .body: body = Array(bytes)
            case nil: throw malformed
            }
        }
        return WorkerFrame.ResponseChunk(id: try required(id), body: body)
    }

    static func decodeResponseEnd(_ fields: inout FieldReader) throws(InvocationFailure) -> WorkerFrame.ResponseEnd {
        var id: UInt64?
        var error: String?
        while let (tag, bytes) = try fields.next() {
            switch ResponseEndTag(rawValue: tag) {
            case .id: id = try FieldReader.uint(bytes)
            case .error: error = FieldReader.text(bytes)
            case nil: throw malformed
            }
        }
        return WorkerFrame.ResponseEnd(id: try required(id), error: error)
    }
}
