import Foundation

/// The source lines around an error, with a caret under its column.
///
/// As `fazt dev` shows them:
///
///     api/boom.js:3:9
///       2 | module.exports = () => {
///     > 3 |   throw new Error("boom");
///         |         ^
///       4 | };
enum CodeFrame {
    /// The frame for `location` (`path:LINE`, or `path:LINE:COLUMN`) read from the file under `root`.
    ///
    /// The column comes from `stack` when a frame there names the same file and line. Nil when the
    /// location names no line of a readable file.
    static func render(root: URL, location: String, stack: String?) -> String? {
        guard let (path, line, column) = parse(location) else { return nil }
        let file = root.appendingPathComponent(path).standardizedFileURL
        // Only files inside the folder: a location is text from app code.
        guard file.path.hasPrefix(root.standardizedFileURL.path + "/"),
            let data = FileManager.default.contents(atPath: file.path)
        else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let found = column ?? stack.flatMap { self.column(in: $0, path: path, line: line) }
        return render(text: text, path: path, line: line, column: found)
    }

    /// The frame for line `line` (1-based) of `text`; nil when the text has no such line.
    static func render(text: String, path: String, line: Int, column: Int?, context: Int = 2) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        // A final newline ends the last line; it starts no line of its own.
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        guard line >= 1, line <= lines.count else { return nil }
        let first = max(1, line - context)
        let last = min(lines.count, line + context)
        let width = String(last).count
        var out = [column.map { "\(path):\(line):\($0)" } ?? "\(path):\(line)"]
        for number in first...last {
            let label = String(repeating: " ", count: width - String(number).count) + String(number)
            out.append("\(number == line ? ">" : " ") \(label) | \(lines[number - 1])")
            guard number == line else { continue }
            let source = lines[number - 1]
            // No column known: point at the line's first non-blank character.
            let offset =
                column.map { max(0, $0 - 1) } ?? source.prefix(while: { $0 == " " || $0 == "\t" }).count
            let pad = source.prefix(offset).map { $0 == "\t" ? "\t" : " " }.joined()
            out.append("  " + String(repeating: " ", count: width) + " | " + pad + "^")
        }
        return out.joined(separator: "\n")
    }

    /// `api/x.js:12` or `api/x.js:12:5` → (path, line, column).
    static func parse(_ location: String) -> (String, Int, Int?)? {
        let parts = location.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]) {
            return (parts.dropLast(2).joined(separator: ":"), line, column)
        }
        if parts.count >= 2, let line = Int(parts[parts.count - 1]) {
            return (parts.dropLast().joined(separator: ":"), line, nil)
        }
        return nil
    }

    /// The column of the first stack frame at `path:line` (`fn@api/x.js:12:5`).
    static func column(in stack: String, path: String, line: Int) -> Int? {
        let needle = "\(path):\(line):"
        for frame in stack.split(separator: "\n") {
            guard let range = frame.range(of: needle, options: .backwards) else { continue }
            if let column = Int(frame[range.upperBound...]) { return column }
        }
        return nil
    }
}
