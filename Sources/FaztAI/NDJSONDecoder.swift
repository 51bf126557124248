import FaztJSON

/// An incremental decoder of newline-delimited JSON (one value per line, as Ollama's native API streams):
/// feed it byte chunks of any size; it returns one result per complete non-blank line.
public struct NDJSONDecoder: Sendable {
    private var line: [UInt8] = []

    /// Creates a decoder at the start of a stream.
    public init() {}

    /// Decodes `bytes` and returns the lines they complete, each parsed or with its syntax error.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> [Result<JSONValue, JSONSyntaxError>] {
        var values: [Result<JSONValue, JSONSyntaxError>] = []
        for byte in bytes {
            if byte == 0x0A {
                endLine(into: &values)
            } else {
                line.append(byte)
            }
        }
        return values
    }

    /// Ends the stream: a last line without a newline is still decoded.
    public mutating func finish() -> [Result<JSONValue, JSONSyntaxError>] {
        var values: [Result<JSONValue, JSONSyntaxError>] = []
        endLine(into: &values)
        return values
    }

    private mutating func endLine(into values: inout [Result<JSONValue, JSONSyntaxError>]) {
        defer { line.removeAll(keepingCapacity: true) }
        // JSON's own whitespace rules cover a `\r` before the `\n`; a blank line is no value.
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        values.append(Result { () throws(JSONSyntaxError) in try JSONValue.decode(line) })
    }
}
