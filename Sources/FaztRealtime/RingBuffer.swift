/// A first-in, first-out queue in one array that is reused: appending at the back and removing at
/// the front move nothing, and the storage grows (doubling) only when it is full.
struct RingBuffer<Element: Sendable>: Sendable {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// The element `index` places from the front (0 is the oldest).
    subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count, "ring buffer index out of range")
        guard let element = storage[(head + index) % storage.count] else {
            preconditionFailure("ring buffer slot is empty")
        }
        return element
    }

    var first: Element? { isEmpty ? nil : self[0] }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    @discardableResult
    mutating func removeFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }

    /// Drops the storage as well as the elements (an idle channel keeps no array).
    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

    private mutating func grow() {
        var larger = [Element?](repeating: nil, count: max(8, storage.count * 2))
        for index in 0..<count { larger[index] = storage[(head + index) % storage.count] }
        storage = larger
        head = 0
    }
}
