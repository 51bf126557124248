/// Turns a pack's entries into objects: whole entries directly, deltas once their base is known.
struct PackResolver {
    private var entries: [PackEntry]
    private let maxObjectSize: Int
    private let base: (GitObjectID) throws -> GitObject?
    private var resolved: [GitObject?]
    private var indexByOffset: [Int: Int] = [:]
    private var indexByID: [GitObjectID: Int] = [:]
    private var outside: [GitObjectID: GitObject] = [:]

    init(entries: [PackEntry], maxObjectSize: Int, base: @escaping (GitObjectID) throws -> GitObject?) {
        self.entries = entries
        self.maxObjectSize = maxObjectSize
        self.base = base
        resolved = Array(repeating: nil, count: entries.count)
        for (index, entry) in entries.enumerated() { indexByOffset[entry.offset] = index }
    }

    mutating func resolveAll() throws -> [GitObject] {
        for index in entries.indices {
            if let type = entries[index].kind.objectType {
                store(GitObject(type: type, body: entries[index].data), at: index)
            }
        }
        // Deltas whose REF_DELTA base is itself a later delta need more than one pass;
        // a pass that resolves nothing asks the outside lookup (thin pack) for the bases still missing.
        var pending = entries.indices.filter { resolved[$0] == nil }
        var askedOutside = false
        while !pending.isEmpty {
            var progress = false
            var missing: GitObjectID?
            for index in pending {
                switch try resolve(index) {
                case .done: progress = true
                case .waiting(let id): missing = missing ?? id
                }
            }
            pending = pending.filter { resolved[$0] == nil }
            if progress { continue }
            guard let id = missing else { break }
            if askedOutside, outside[id] != nil { break }
            guard let object = try base(id) else {
                throw GitProtocolError(
                    "missing necessary objects: delta base \(id.hex) is neither in the pack nor known"
                )
            }
            guard object.id == id else { throw GitProtocolError("delta base lookup returned the wrong object") }
            outside[id] = object
            askedOutside = true
        }
        guard pending.isEmpty else { throw GitProtocolError("corrupt pack: deltas whose bases form a cycle") }
        return resolved.compactMap { $0 }
    }

    private enum Outcome {
        case done
        case waiting(GitObjectID)
    }

    /// Resolves the delta chain ending at `index`, or names the REF_DELTA base it still waits for.
    private mutating func resolve(_ index: Int) throws -> Outcome {
        var chain: [Int] = []
        var current = index
        var baseObject: GitObject?
        while baseObject == nil {
            if let object = resolved[current] {
                baseObject = object
                break
            }
            guard chain.count <= entries.count else { throw GitProtocolError("corrupt pack: delta chain loops") }
            chain.append(current)
            switch entries[current].base {
            case .offset(let offset):
                guard let next = indexByOffset[offset] else {
                    throw GitProtocolError("corrupt pack: delta base offset \(offset) is not an entry")
                }
                current = next
            case .id(let id):
                if let next = indexByID[id] {
                    current = next
                } else if let object = outside[id] {
                    baseObject = object
                } else {
                    return .waiting(id)
                }
            case .none:
                throw GitProtocolError("corrupt pack: unresolved whole entry")
            }
        }
        guard var object = baseObject else { throw GitProtocolError("corrupt pack: a delta chain without a base") }
        for link in chain.reversed() {
            let body = try PackDelta.apply(entries[link].data, to: object.body, maxSize: maxObjectSize)
            object = GitObject(type: object.type, body: body)
            store(object, at: link)
        }
        return .done
    }

    private mutating func store(_ object: GitObject, at index: Int) {
        resolved[index] = object
        entries[index].data = []
        if indexByID[object.id] == nil { indexByID[object.id] = index }
    }
}
