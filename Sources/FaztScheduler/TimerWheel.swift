/// A hierarchical timer wheel with millisecond ticks: four levels of 64 slots (64 ms, ~4 s, ~4.4 min,
/// ~4.7 h), plus a list for anything further out.
///
/// Pure: time only moves when `advance(to:)` is called, so it is tested without sleeping. An entry
/// lives at the level where its due time and the wheel's current tick first share a block; when the
/// current tick enters a new block of level L, that block's slot cascades one level down. Insert,
/// cancel and firing are O(1) amortized; advancing over empty stretches skips whole blocks.
public struct TimerWheel: Sendable {
    /// One timer: a job id and its due time (ms since 1970).
    public struct Entry: Sendable, Hashable {
        public var id: Int64
        public var due: Int64

        public init(id: Int64, due: Int64) {
            self.id = id
            self.due = due
        }
    }

    static let slotBits = 6
    static let slotCount = 1 << slotBits
    static let levelCount = 4

    /// The next tick to process: every entry due before it has been returned by `advance`.
    public private(set) var current: Int64
    private var slots: [[[Entry]]]
    private var levelCounts: [Int]
    private var far: [Entry] = []
    /// Entries due before `current` when inserted: returned by the next `advance`.
    private var overdue: [Entry] = []
    /// Live entries (id → due); a slot entry whose due no longer matches was cancelled or moved.
    private var live: [Int64: Int64] = [:]

    public init(now: Int64) {
        current = now
        slots = Array(
            repeating: Array(repeating: [], count: Self.slotCount),
            count: Self.levelCount
        )
        levelCounts = Array(repeating: 0, count: Self.levelCount)
    }

    /// Timers held.
    public var count: Int { live.count }

    /// Whether `id` is held with due time `due`.
    public func contains(id: Int64, due: Int64) -> Bool { live[id] == due }

    /// Adds (or moves) the timer `id`.
    public mutating func insert(id: Int64, due: Int64) {
        live[id] = due
        place(Entry(id: id, due: due))
    }

    /// Forgets the timer `id` (its slot entry is dropped when reached).
    public mutating func remove(id: Int64) {
        live[id] = nil
    }

    /// Processes every tick up to and including `time`; returns the live timers that fell due,
    /// ordered by due time, then id.
    public mutating func advance(to time: Int64) -> [Entry] {
        var fired: [Entry] = []
        for entry in overdue where live[entry.id] == entry.due {
            fired.append(entry)
            live[entry.id] = nil
        }
        overdue.removeAll()
        while current <= time {
            cascade()
            let slot = Int(current & Int64(Self.slotCount - 1))
            if !slots[0][slot].isEmpty {
                for entry in slots[0][slot] where live[entry.id] == entry.due {
                    fired.append(entry)
                    live[entry.id] = nil
                }
                levelCounts[0] -= slots[0][slot].count
                slots[0][slot].removeAll()
            }
            current = nextTick(limit: time)
        }
        compactIfSparse()
        fired.sort { ($0.due, $0.id) < ($1.due, $1.id) }
        return fired
    }

    /// The earliest time `advance` could return something: exact for timers in the first level,
    /// the start of their block for later ones (a safe moment to wake up and look again).
    public func nextWake() -> Int64? {
        if overdue.contains(where: { live[$0.id] == $0.due }) { return current }
        // An advance that stopped right before a block boundary leaves `current` on the block's
        // first tick with the block not yet cascaded: its timers are still a level up.
        for level in 1..<Self.levelCount {
            let shift = Int64(Self.slotBits * level)
            guard current & ((1 << shift) - 1) == 0 else { break }
            let slot = Int((current >> shift) & Int64(Self.slotCount - 1))
            if slots[level][slot].contains(where: { live[$0.id] == $0.due }) { return current }
        }
        for level in 0..<Self.levelCount where levelCounts[level] > 0 {
            let shift = Int64(Self.slotBits * level)
            let base = current >> shift
            for step in 0..<Int64(Self.slotCount) {
                let block = base + step
                // Level L holds only blocks after the current one (level 0: this tick onwards).
                if level > 0 && step == 0 { continue }
                let slot = Int(block & Int64(Self.slotCount - 1))
                if slots[level][slot].contains(where: { live[$0.id] == $0.due }) {
                    return level == 0 ? block : block << shift
                }
            }
        }
        if let soonest = far.lazy.filter({ self.live[$0.id] == $0.due }).map(\.due).min() {
            let shift = Int64(Self.slotBits * Self.levelCount)
            return max(current, (soonest >> shift) << shift)
        }
        return nil
    }

    // MARK: - Placement

    private mutating func place(_ entry: Entry) {
        guard entry.due >= current else {
            overdue.append(entry)
            return
        }
        for level in 0..<Self.levelCount {
            let shift = Int64(Self.slotBits * (level + 1))
            if entry.due >> shift == current >> shift {
                let slot = Int((entry.due >> Int64(Self.slotBits * level)) & Int64(Self.slotCount - 1))
                slots[level][slot].append(entry)
                levelCounts[level] += 1
                return
            }
        }
        far.append(entry)
    }

    /// At a block boundary, moves the entries of the block just entered one or more levels down.
    private mutating func cascade() {
        let topShift = Int64(Self.slotBits * Self.levelCount)
        if current & ((1 << topShift) - 1) == 0, !far.isEmpty {
            let moving = far
            far.removeAll()
            for entry in moving where live[entry.id] == entry.due { place(entry) }
        }
        for level in stride(from: Self.levelCount - 1, through: 1, by: -1) {
            let shift = Int64(Self.slotBits * level)
            guard current & ((1 << shift) - 1) == 0 else { continue }
            let slot = Int((current >> shift) & Int64(Self.slotCount - 1))
            guard !slots[level][slot].isEmpty else { continue }
            let moving = slots[level][slot]
            slots[level][slot].removeAll()
            levelCounts[level] -= moving.count
            for entry in moving where live[entry.id] == entry.due { place(entry) }
        }
    }

    /// The next tick worth visiting: the next one while level 0 holds entries, else the next
    /// boundary of the lowest level that does (never past `limit + 1`).
    private func nextTick(limit: Int64) -> Int64 {
        var step: Int64 = 1
        for level in 0..<Self.levelCount {
            if levelCounts[level] > 0 { break }
            step = 1 << Int64(Self.slotBits * (level + 1))
        }
        let next = (current / step + 1) * step
        return min(next, limit + 1)
    }

    /// Cancelled entries stay in their slots until reached; drop them when they dominate.
    private mutating func compactIfSparse() {
        let held = levelCounts.reduce(0, +) + far.count
        guard held > 1024, held > live.count * 4 else { return }
        for level in 0..<Self.levelCount {
            for slot in 0..<Self.slotCount where !slots[level][slot].isEmpty {
                slots[level][slot].removeAll { live[$0.id] != $0.due }
            }
            levelCounts[level] = slots[level].reduce(0) { $0 + $1.count }
        }
        far.removeAll { live[$0.id] != $0.due }
    }
}
