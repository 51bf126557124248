/// Unified-diff hunks between two texts, as `git diff` prints them (`@@ -a,b +c,d @@`).
///
/// Lines keep their terminator, so a last line without a newline differs from the same line
/// with one and is followed by `\ No newline at end of file`, like git. Changes closer than
/// twice the context merge into one hunk; within a change, deletions come before insertions.
struct UnifiedDiff {
    /// The hunk text (empty when the texts are equal).
    var text: [UInt8] = []
    /// Lines added and removed.
    var additions = 0
    var deletions = 0

    /// Diffs `old` against `new` with `context` unchanged lines around each change.
    init(old: [UInt8], new: [UInt8], context: Int = 3, maxCost: Int = LineDiff.defaultMaxCost) {
        var ids: [ArraySlice<UInt8>: Int] = [:]
        let oldLines = Self.lines(old)
        let newLines = Self.lines(new)
        func intern(_ line: ArraySlice<UInt8>) -> Int {
            if let id = ids[line] { return id }
            let id = ids.count
            ids[line] = id
            return id
        }
        let operations = LineDiff.operations(oldLines.map(intern), newLines.map(intern), maxCost: maxCost)
        let changes = Self.changes(operations)
        var index = 0
        while index < changes.count {
            // A hunk takes every following change whose gap of unchanged lines its context would cover.
            var last = index
            while last + 1 < changes.count, changes[last + 1].oldStart - changes[last].oldEnd <= 2 * context {
                last += 1
            }
            appendHunk(changes[index...last], oldLines: oldLines, newLines: newLines, context: context)
            index = last + 1
        }
    }

    /// One run of deleted and inserted lines between unchanged ones (half-open line ranges).
    struct Change {
        var oldStart: Int
        var oldEnd: Int
        var newStart: Int
        var newEnd: Int
    }

    static func changes(_ operations: [LineDiff.Operation]) -> [Change] {
        var changes: [Change] = []
        var oldIndex = 0
        var newIndex = 0
        var current: Change?
        for operation in operations {
            switch operation {
            case .equal:
                if let change = current { changes.append(change) }
                current = nil
                oldIndex += 1
                newIndex += 1
            case .delete:
                if current == nil {
                    current = Change(oldStart: oldIndex, oldEnd: oldIndex, newStart: newIndex, newEnd: newIndex)
                }
                oldIndex += 1
                current?.oldEnd = oldIndex
            case .insert:
                if current == nil {
                    current = Change(oldStart: oldIndex, oldEnd: oldIndex, newStart: newIndex, newEnd: newIndex)
                }
                newIndex += 1
                current?.newEnd = newIndex
            }
        }
        if let change = current { changes.append(change) }
        return changes
    }

    /// `text` split after each `\n`; the last line may lack one.
    static func lines(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (index, byte) in text.enumerated() where byte == UInt8(ascii: "\n") {
            lines.append(text[start...index])
            start = index + 1
        }
        if start < text.count { lines.append(text[start...]) }
        return lines
    }

    private mutating func appendHunk(
        _ changes: ArraySlice<Change>,
        oldLines: [ArraySlice<UInt8>],
        newLines: [ArraySlice<UInt8>],
        context: Int
    ) {
        guard let first = changes.first, let last = changes.last else { return }
        let oldFrom = max(0, first.oldStart - context)
        let newFrom = first.newStart - (first.oldStart - oldFrom)
        let oldTo = min(oldLines.count, last.oldEnd + context)
        let newTo = last.newEnd + (oldTo - last.oldEnd)
        text += Array("@@ -\(Self.range(oldFrom, oldTo - oldFrom)) +\(Self.range(newFrom, newTo - newFrom)) @@\n".utf8)
        var cursor = oldFrom
        for change in changes {
            for line in oldLines[cursor..<change.oldStart] { append(" ", line) }
            for line in oldLines[change.oldStart..<change.oldEnd] { append("-", line) }
            for line in newLines[change.newStart..<change.newEnd] { append("+", line) }
            deletions += change.oldEnd - change.oldStart
            additions += change.newEnd - change.newStart
            cursor = change.oldEnd
        }
        for line in oldLines[cursor..<oldTo] { append(" ", line) }
    }

    private mutating func append(_ marker: Unicode.Scalar, _ line: ArraySlice<UInt8>) {
        text.append(UInt8(ascii: marker))
        text += line
        if line.last != UInt8(ascii: "\n") { text += Array("\n\\ No newline at end of file\n".utf8) }
    }

    /// `start,count` with git's conventions: 1-based, `,1` left out, an empty range names the line before it.
    static func range(_ start: Int, _ count: Int) -> String {
        switch count {
        case 0: return "\(start),0"
        case 1: return "\(start + 1)"
        default: return "\(start + 1),\(count)"
        }
    }
}
