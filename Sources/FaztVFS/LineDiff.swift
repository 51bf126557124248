/// A shortest edit script between two sequences (Myers' O(ND) greedy algorithm).
///
/// Lines are compared as small integers (see `UnifiedDiff`), so equality is one comparison.
/// The trace kept for backtracking grows with the square of the edit distance, so a middle part
/// that differs by more than `maxCost` edits is reported as replaced whole: still a correct
/// script, no longer a shortest one.
enum LineDiff {
    /// One step of an edit script: keep a line, delete an old line, or insert a new one.
    enum Operation: Equatable {
        case equal
        case delete
        case insert
    }

    /// The default cap on the edit distance searched for (about 16 MB of trace at most).
    static let defaultMaxCost = 2_000

    /// The operations turning `old` into `new`, in order.
    static func operations(_ old: [Int], _ new: [Int], maxCost: Int = defaultMaxCost) -> [Operation] {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        let oldMiddle = old[prefix..<(old.count - suffix)]
        let newMiddle = new[prefix..<(new.count - suffix)]
        var result = [Operation](repeating: .equal, count: prefix)
        result.reserveCapacity(old.count + new.count)
        if let middle = shortest(Array(oldMiddle), Array(newMiddle), maxCost: maxCost) {
            result += middle
        } else {
            result += [Operation](repeating: .delete, count: oldMiddle.count)
            result += [Operation](repeating: .insert, count: newMiddle.count)
        }
        result += [Operation](repeating: .equal, count: suffix)
        return result
    }

    /// Myers' forward search with a trace of every round, then a walk back through it; nil past `maxCost`.
    private static func shortest(_ a: [Int], _ b: [Int], maxCost: Int) -> [Operation]? {
        let n = a.count
        let m = b.count
        if n == 0 { return [Operation](repeating: .insert, count: m) }
        if m == 0 { return [Operation](repeating: .delete, count: n) }
        let limit = min(n + m, maxCost)
        let offset = limit + 1
        // v[offset + k]: the furthest x reached on diagonal k (y = x - k).
        var v = [Int](repeating: 0, count: 2 * limit + 3)
        // trace[d]: v on diagonals -d...d before round d (Int32 halves the memory).
        var trace: [[Int32]] = []
        for d in 0...limit {
            trace.append((-d...d).map { Int32(v[offset + $0]) })
            for k in stride(from: -d, through: d, by: 2) {
                var x: Int
                if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) {
                    x = v[offset + k + 1]
                } else {
                    x = v[offset + k - 1] + 1
                }
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                }
                v[offset + k] = x
                if x >= n, y >= m { return backtrack(trace: trace, n: n, m: m) }
            }
        }
        return nil
    }

    private static func backtrack(trace: [[Int32]], n: Int, m: Int) -> [Operation] {
        var operations: [Operation] = []
        operations.reserveCapacity(n + m)
        var x = n
        var y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            func at(_ k: Int) -> Int { Int(v[k + d]) }
            let k = x - y
            let previousK: Int
            if d == 0 {
                previousK = 0
            } else if k == -d || (k != d && at(k - 1) < at(k + 1)) {
                previousK = k + 1
            } else {
                previousK = k - 1
            }
            let previousX = d == 0 ? 0 : at(previousK)
            let previousY = previousX - previousK
            while x > previousX, y > previousY {
                operations.append(.equal)
                x -= 1
                y -= 1
            }
            if d > 0 {
                operations.append(x == previousX ? .insert : .delete)
                x = previousX
                y = previousY
            }
        }
        return operations.reversed()
    }
}
