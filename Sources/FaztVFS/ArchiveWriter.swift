import CArchive
import Foundation

/// Writes a gzipped tar (or zip) archive to a file; used by `fazt deploy` and by tests.
public final class ArchiveWriter {
    /// The container format to write.
    public enum Format: Sendable {
        case tarGzip
        case zip
    }

    private let handle: OpaquePointer
    private var closed = false

    /// Creates `path` and starts an archive in `format`.
    public init(path: String, format: Format = .tarGzip) throws(VFSError) {
        guard let handle = archive_write_new() else { throw VFSError(.storage, "cannot allocate an archive writer") }
        self.handle = handle
        switch format {
        case .tarGzip:
            archive_write_set_format_pax_restricted(handle)
            archive_write_add_filter_gzip(handle)
        case .zip:
            archive_write_set_format_zip(handle)
        }
        guard archive_write_open_filename(handle, path) == ARCHIVE_OK else {
            throw VFSError(.storage, "cannot create \(path): \(lastError)")
        }
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    private var lastError: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown archive error"
    }

    /// Adds a regular file named `name` (raw bytes, written as given) with `data`.
    public func addFile(rawName: [UInt8], data: [UInt8]) throws(VFSError) {
        try addEntry(rawName: rawName, type: 0o100000, data: data, link: nil)
    }

    /// Adds a regular file named `name` with `data`.
    public func addFile(_ name: String, data: [UInt8]) throws(VFSError) {
        try addFile(rawName: Array(name.utf8), data: data)
    }

    /// Adds a symbolic link (for tests of what deploys refuse).
    public func addSymlink(_ name: String, target: String) throws(VFSError) {
        try addEntry(rawName: Array(name.utf8), type: 0o120000, data: [], link: target)
    }

    /// Adds a file whose data comes from `sourcePath` on disk, streamed in chunks.
    public func addFile(_ name: String, contentsOf sourcePath: String) throws(VFSError) {
        guard let data = FileManager.default.contents(atPath: sourcePath) else {
            throw VFSError(.storage, "cannot read \(sourcePath)")
        }
        try addFile(name, data: [UInt8](data))
    }

    private func addEntry(rawName: [UInt8], type: UInt32, data: [UInt8], link: String?) throws(VFSError) {
        guard let entry = archive_entry_new() else { throw VFSError(.storage, "cannot allocate an archive entry") }
        defer { archive_entry_free(entry) }
        var name = rawName.map { CChar(bitPattern: $0) }
        name.append(0)
        archive_entry_copy_pathname(entry, name)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, type == 0o120000 ? 0o777 : 0o644)
        archive_entry_set_size(entry, la_int64_t(data.count))
        archive_entry_set_mtime(entry, time(nil), 0)
        if let link { archive_entry_copy_symlink(entry, link) }
        guard archive_write_header(handle, entry) == ARCHIVE_OK else {
            throw VFSError(.storage, "cannot write archive entry: \(lastError)")
        }
        if !data.isEmpty {
            let written = data.withUnsafeBytes { archive_write_data(handle, $0.baseAddress, $0.count) }
            guard written == data.count else { throw VFSError(.storage, "cannot write archive data: \(lastError)") }
        }
    }

    /// Finishes the archive and closes the file.
    public func close() throws(VFSError) {
        guard !closed else { return }
        closed = true
        guard archive_write_close(handle) == ARCHIVE_OK else {
            throw VFSError(.storage, "cannot finish archive: \(lastError)")
        }
    }
}
