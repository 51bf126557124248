import FaztGit

/// One stateless upload-pack request (protocol v0): wants, shallow state, haves, and whether negotiation is done.
struct GitUploadRequest {
    var wants: [GitObjectID] = []
    var capabilities: Set<String> = []
    var shallows: [GitObjectID] = []
    var depth: Int?
    var haves: [GitObjectID] = []
    var done = false
    /// Whether a flush ended a round of haves (after the flush that ends the wants); a request that
    /// stops right after the wants (the first round of a shallow clone) gets only the shallow section.
    var endsRound = false

    /// Whether the client negotiates a shallow history (`deepen`), so the answer starts with a shallow section.
    var deepens: Bool { depth != nil }

    static func parse(_ bytes: [UInt8]) throws -> GitUploadRequest {
        var request = GitUploadRequest()
        var reader = PktLineReader(bytes)
        var flushes = 0
        while let packet = try reader.next() {
            guard case .data(let payload) = packet else {
                flushes += 1
                if flushes >= 2 { request.endsRound = true }
                continue
            }
            var line = String(decoding: payload, as: UTF8.self)
            if line.hasSuffix("\n") { line.removeLast() }
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard let keyword = words.first else { continue }
            switch keyword {
            case "want":
                guard words.count >= 2, let id = GitObjectID(hex: words[1]) else {
                    throw GitProtocolError("malformed want line")
                }
                if request.wants.isEmpty { request.capabilities.formUnion(words.dropFirst(2)) }
                request.wants.append(id)
            case "shallow":
                guard words.count == 2, let id = GitObjectID(hex: words[1]) else {
                    throw GitProtocolError("malformed shallow line")
                }
                request.shallows.append(id)
            case "deepen":
                guard words.count == 2, let depth = Int(words[1]), depth > 0 else {
                    throw GitProtocolError("malformed deepen line")
                }
                request.depth = depth
            case "have":
                guard words.count == 2, let id = GitObjectID(hex: words[1]) else {
                    throw GitProtocolError("malformed have line")
                }
                request.haves.append(id)
            case "done":
                request.done = true
            case "deepen-since", "deepen-not", "filter":
                throw GitProtocolError("\(keyword) is not supported by fazt; use --depth")
            default:
                throw GitProtocolError("unexpected line in upload-pack request: \(keyword)")
            }
        }
        return request
    }
}
