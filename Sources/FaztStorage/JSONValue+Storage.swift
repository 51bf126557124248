@_exported import FaztJSON

extension JSONValue {
    /// Parses `text`; malformed JSON or nesting deeper than 256 is `INVALID_QUERY`.
    public static func parse(_ text: String) throws(StorageError) -> JSONValue {
        do {
            return try decode(Array(text.utf8))
        } catch {
            throw StorageError(.invalidQuery, error.description)
        }
    }
}
