import FaztVFS
import Foundation

/// Builds deploy archives in memory for tests, good and hostile.
public enum ArchiveFixtures {
    /// One entry to put in an archive.
    public enum Entry: Sendable {
        case file(String, [UInt8])
        case rawName([UInt8], [UInt8])
        case symlink(String, target: String)
    }

    /// A text file entry.
    public static func file(_ name: String, _ text: String) -> Entry { .file(name, Array(text.utf8)) }

    /// Writes `entries` with libarchive and returns the archive bytes.
    public static func archive(_ entries: [Entry], format: ArchiveWriter.Format = .tarGzip) throws -> [UInt8] {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/archive"
        let writer = try ArchiveWriter(path: path, format: format)
        for entry in entries {
            switch entry {
            case .file(let name, let data): try writer.addFile(name, data: data)
            case .rawName(let name, let data): try writer.addFile(rawName: name, data: data)
            case .symlink(let name, let target): try writer.addSymlink(name, target: target)
            }
        }
        try writer.close()
        guard let data = FileManager.default.contents(atPath: path) else { throw TestError("archive not written") }
        return [UInt8](data)
    }

    public static func zip(_ entries: [Entry]) throws -> [UInt8] { try archive(entries, format: .zip) }

    public static func tarGzip(_ entries: [Entry]) throws -> [UInt8] { try archive(entries, format: .tarGzip) }

    /// An uncompressed ustar archive with one raw header per entry (typeflag as given), for entry
    /// kinds libarchive's writer will not produce on request: hard links ('1'), devices ('3').
    public static func rawTar(_ entries: [(name: String, type: Character, link: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for entry in entries {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, width: Int) {
                for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
            }
            func octal(_ value: Int, width: Int) -> String {
                let digits = String(value, radix: 8)
                return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
            }
            put(entry.name, at: 0, width: 100)
            put(octal(0o644, width: 8), at: 100, width: 7)
            put(octal(0, width: 8), at: 108, width: 7)
            put(octal(0, width: 8), at: 116, width: 7)
            put(octal(entry.data.count, width: 12), at: 124, width: 11)
            put(octal(0, width: 12), at: 136, width: 11)
            header[156] = entry.type.asciiValue ?? 0x30
            put(entry.link, at: 157, width: 100)
            put("ustar", at: 257, width: 6)
            put("00", at: 263, width: 2)
            for index in 148..<156 { header[index] = 0x20 }
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(octal(checksum, width: 7), at: 148, width: 6)
            header[154] = 0
            header[155] = 0x20
            out += header
            out += entry.data
            out += [UInt8](repeating: 0, count: (512 - entry.data.count % 512) % 512)
        }
        out += [UInt8](repeating: 0, count: 1024)
        return out
    }

    /// Writes bytes to a new file in `directory` and returns its path.
    public static func write(
        _ bytes: [UInt8],
        in directory: TemporaryDirectory,
        name: String = "upload"
    ) throws -> String {
        let path = directory.path + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw TestError("cannot write \(path)")
        }
        return path
    }
}
