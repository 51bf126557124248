import FaztJSON

extension Manifest {
    /// Checks what the daemon itself relies on in `"assistant"` (the template's JavaScript reads the
    /// rest): `origins` must be exact origins written as browsers send them, since the widget compares
    /// them with `Origin` headers and `frame-ancestors` as they are.
    static func checkAssistant(_ value: JSONValue) throws(VFSError) {
        guard case .object = value, let origins = value["origins"], origins != .null,
            case .array(let list) = origins
        else { return }
        for item in list {
            guard case .string(let origin) = item else { continue }
            guard let normalized = normalizedOrigin(origin) else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: \"assistant.origins\" entry \"\(origin)\" must be scheme://host[:port] (no path, "
                        + "like \"https://example.com\") or \"*\""
                )
            }
            guard normalized == origin else {
                throw VFSError(
                    .badManifest,
                    "fazt.json: \"assistant.origins\" entry \"\(origin)\" must be written as browsers send it: "
                        + "\"\(normalized)\""
                )
            }
        }
    }
}
