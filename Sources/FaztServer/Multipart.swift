import Foundation
import Glibc

/// Pulls one file field out of a spooled `multipart/form-data` body without loading it into memory
/// (the body is memory-mapped and the part is copied to its own file).
enum Multipart {
    /// The boundary parameter of a `multipart/form-data` content type.
    static func boundary(from contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingSpaces
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            var value = pair.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            return value.isEmpty || value.count > 200 ? nil : String(value)
        }
        return nil
    }

    /// Copies the content of the part named `field` from the body at `path` to `output`.
    static func extractFile(from path: String, boundary: String, field: String, to output: String) throws {
        let body = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let delimiter = Data(("--" + boundary).utf8)
        let lineBreakDelimiter = Data(("\r\n--" + boundary).utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else {
            throw APIError.badRequest("multipart body has no boundary '\(boundary)'")
        }
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard
                let headerEnd = body.range(of: Data("\r\n\r\n".utf8), in: cursor..<min(body.endIndex, cursor + 16_384))
            else {
                throw APIError.badRequest("multipart part headers are malformed")
            }
            let headers = String(decoding: body[cursor..<headerEnd.lowerBound], as: UTF8.self)
            guard let end = body.range(of: lineBreakDelimiter, in: headerEnd.upperBound..<body.endIndex) else {
                throw APIError.badRequest("multipart body is truncated (no closing boundary)")
            }
            if partName(headers) == field {
                let content = body[headerEnd.upperBound..<end.lowerBound]
                guard
                    FileManager.default.createFile(
                        atPath: output,
                        contents: content,
                        attributes: [.posixPermissions: 0o600]
                    )
                else {
                    throw APIError(status: .internalServerError, code: "internal", message: "cannot write upload part")
                }
                return
            }
            cursor = end.upperBound
        }
        throw APIError.badRequest("multipart upload has no '\(field)' field; send the archive as field '\(field)'")
    }

    private static func partName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for parameter in line.split(separator: ";").dropFirst() {
                let pair = parameter.trimmingSpaces
                guard pair.hasPrefix("name=") else { continue }
                return String(pair.dropFirst(5).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
        }
        return nil
    }
}
