import CArchive
import Glibc

/// The kind of an archive entry.
enum ArchiveEntryKind {
    case file
    case directory
    case symlink
    case hardlink
    case other
}

/// What an archive entry header says, before its data is read.
struct ArchiveEntryHeader {
    /// The raw name bytes, exactly as stored.
    var rawName: [UInt8]
    var kind: ArchiveEntryKind
    /// The declared uncompressed size, when the format records one.
    var declaredSize: Int?
}

/// A streaming libarchive reader over one file (zip, or tar with any compression); frees in `deinit`.
final class ArchiveReader {
    private let handle: OpaquePointer
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    init(path: String) throws(VFSError) {
        guard let handle = archive_read_new() else { throw VFSError(.storage, "cannot allocate an archive reader") }
        self.handle = handle
        archive_read_support_format_zip(handle)
        archive_read_support_format_tar(handle)
        archive_read_support_filter_all(handle)
        guard archive_read_open_filename(handle, path, 64 * 1024) == ARCHIVE_OK else {
            throw VFSError(.badArchive, "not a readable zip or tar.gz archive: \(lastError)")
        }
    }

    deinit {
        archive_read_free(handle)
        buffer.deallocate()
    }

    private var lastError: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown archive error"
    }

    /// Moves to the next entry; nil at the end of the archive.
    func next() throws(VFSError) -> ArchiveEntryHeader? {
        var entry: OpaquePointer?
        let result = archive_read_next_header(handle, &entry)
        if result == ARCHIVE_EOF { return nil }
        guard result == ARCHIVE_OK || result == ARCHIVE_WARN, let entry else {
            throw VFSError(.badArchive, "corrupt archive: \(lastError)")
        }
        let rawName: [UInt8] =
            archive_entry_pathname(entry).map { pointer in
                Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
            } ?? []
        let type = archive_entry_filetype(entry) & 0o170000
        let kind: ArchiveEntryKind
        if archive_entry_hardlink(entry) != nil {
            kind = .hardlink
        } else if type == 0o100000 {
            kind = .file
        } else if type == 0o040000 {
            kind = .directory
        } else if type == 0o120000 {
            kind = .symlink
        } else {
            kind = .other
        }
        let declared = archive_entry_size_is_set(entry) != 0 ? Int(archive_entry_size(entry)) : nil
        return ArchiveEntryHeader(rawName: rawName, kind: kind, declaredSize: declared)
    }

    /// Streams the current entry's data to `sink` in chunks; throws as soon as `sink` throws.
    func readData(_ sink: (UnsafeRawBufferPointer) throws(VFSError) -> Void) throws(VFSError) {
        while true {
            let count = archive_read_data(handle, buffer.baseAddress, buffer.count)
            if count == 0 { return }
            guard count > 0 else { throw VFSError(.badArchive, "corrupt archive data: \(lastError)") }
            try sink(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
