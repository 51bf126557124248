import FaztTestSupport
import Foundation
import Testing

@testable import FaztVFS

@Suite struct LineDiffTests {
    /// Applies `operations` to `old`, taking inserted items from `new` in order.
    static func apply(_ operations: [LineDiff.Operation], _ old: [Int], _ new: [Int]) -> [Int] {
        var out: [Int] = []
        var i = 0
        var j = 0
        for operation in operations {
            switch operation {
            case .equal:
                out.append(old[i])
                i += 1
                j += 1
            case .delete: i += 1
            case .insert:
                out.append(new[j])
                j += 1
            }
        }
        return i == old.count && j == new.count ? out : [-1]
    }

    static func cost(_ operations: [LineDiff.Operation]) -> Int { operations.filter { $0 != .equal }.count }

    @Test func findsTheShortestScriptOfMyersPaper() {
        // A = ABCABBA, B = CBABAC: D = 5.
        let old = [0, 1, 2, 0, 1, 1, 0]
        let new = [2, 1, 0, 1, 0, 2]
        let operations = LineDiff.operations(old, new)
        #expect(Self.cost(operations) == 5)
        #expect(Self.apply(operations, old, new) == new)
    }

    @Test func handlesEmptyAndEqualSequences() {
        #expect(LineDiff.operations([], []).isEmpty)
        #expect(LineDiff.operations([], [1, 2]) == [.insert, .insert])
        #expect(LineDiff.operations([1, 2], []) == [.delete, .delete])
        #expect(LineDiff.operations([1, 2, 3], [1, 2, 3]) == [.equal, .equal, .equal])
    }

    @Test func randomScriptsAreValidAndMinimal() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let old = (0..<Int.random(in: 0...25, using: &generator)).map { _ in Int.random(in: 0...3) }
            let new = (0..<Int.random(in: 0...25, using: &generator)).map { _ in Int.random(in: 0...3) }
            let operations = LineDiff.operations(old, new)
            #expect(Self.apply(operations, old, new) == new, "\(old) → \(new)")
            #expect(Self.cost(operations) == old.count + new.count - 2 * Self.lcs(old, new), "\(old) → \(new)")
        }
    }

    @Test func fallsBackToWholeReplacementPastTheCostCap() {
        let old = Array(0..<50)
        let new = Array(50..<60) + Array(0..<50).filter { $0 % 3 != 0 }
        let operations = LineDiff.operations(old, new, maxCost: 4)
        #expect(Self.apply(operations, old, new) == new)
        #expect(LineDiff.operations(old, new).filter { $0 == .equal }.count > 0)
    }

    /// Longest common subsequence length by dynamic programming: the reference for minimality.
    static func lcs(_ a: [Int], _ b: [Int]) -> Int {
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        return table[0][0]
    }
}
