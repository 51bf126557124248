/// Names owners give to env keys and secrets: `[A-Za-z_][A-Za-z0-9_]*`, at most `maxBytes` long.
enum Identifier {
    /// `text` when valid, else an `invalidArgument` error naming it as `kind` ("env key", "secret name").
    static func checked(_ text: String, maxBytes: Int, kind: String) throws -> String {
        guard isValid(text, maxBytes: maxBytes) else {
            throw KernelError(
                .invalidArgument,
                "invalid \(kind) '\(text)': use letters, digits and '_', not starting with a digit"
            )
        }
        return text
    }

    static func isValid(_ text: String, maxBytes: Int) -> Bool {
        let bytes = Array(text.utf8)
        func letter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        guard let first = bytes.first, bytes.count <= maxBytes, letter(first) else { return false }
        return bytes.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }
}
