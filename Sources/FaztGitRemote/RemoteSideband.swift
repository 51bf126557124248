/// Splits a side-band stream (band 1 data, band 2 progress, band 3 fatal) into its parts, keeping
/// band 2 as git prints it: one `remote:` line per line, a `\r`-redrawn progress line only once.
struct RemoteSideband {
    /// Band 1, concatenated.
    var data: [UInt8] = []
    /// Band 2 text, split into lines (git's `remote:` lines), without empty lines.
    var messages: [String] = []
    /// Band 3 text, when the remote gave up.
    var fatal: String?

    private var partial = ""

    /// Takes one side-band packet payload (band byte first).
    mutating func take(_ payload: [UInt8]) throws(GitRemoteError) {
        guard let band = payload.first else { return }
        let rest = payload.dropFirst()
        switch band {
        case 1: data.append(contentsOf: rest)
        case 2: addProgress(String(decoding: rest, as: UTF8.self))
        case 3: fatal = (fatal ?? "") + String(decoding: rest, as: UTF8.self)
        default: throw .protocolError("unknown side-band channel \(band)")
        }
    }

    /// Ends the stream: keeps any unterminated progress line.
    mutating func finish() {
        let last = partial.trimmingTrailingSpace
        if !last.isEmpty { messages.append(last) }
        partial = ""
    }

    private mutating func addProgress(_ text: String) {
        partial += text
        // Progress uses `\r` to redraw a line; only its final state is kept.
        while let index = partial.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let line = String(partial[..<index]).trimmingTrailingSpace
            let isRedraw = partial[index] == "\r"
            partial = String(partial[partial.index(after: index)...])
            if isRedraw { continue }
            if !line.isEmpty { messages.append(line) }
        }
    }
}

extension String {
    var trimmingTrailingSpace: String {
        var text = self
        while let last = text.last, last == " " || last == "\n" || last == "\r" || last == "\t" { text.removeLast() }
        return text
    }
}
