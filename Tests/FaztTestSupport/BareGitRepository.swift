import CZlib
import FaztGit
import Foundation

/// A temporary bare repository, made with the real `git`, into which tests write objects as loose
/// files (zlib-deflated `type size\0body` at `objects/xx/yyyy…`) to check them with git itself.
public final class BareGitRepository: @unchecked Sendable {
    // Safe: immutable after init; the directory is only touched through `git` and file writes.
    public let path: String
    private let directory: TemporaryDirectory

    public init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/repo.git"
        _ = try git("init", "--quiet", "--bare", path)
    }

    /// Writes `object` as a loose object; its file name is the id Fazt computed, not git's.
    public func write(_ object: GitObject) throws {
        try writeLoose(type: object.type, body: object.body, id: object.id)
    }

    /// Writes a loose object of `type` with `body` under the name `id`.
    public func writeLoose(type: GitObjectType, body: [UInt8], id: GitObjectID) throws {
        var framed = Array("\(type.rawValue) \(body.count)".utf8)
        framed.append(0)
        framed.append(contentsOf: body)
        var length = compressBound(UInt(framed.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let status = compress2(&out, &length, framed, UInt(framed.count), Z_BEST_SPEED)
        guard status == Z_OK else { throw TestError("zlib compress2 failed (\(status))") }
        let hex = id.hex
        let folder = path + "/objects/" + hex.prefix(2)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(out.prefix(Int(length))).write(to: URL(fileURLWithPath: folder + "/" + hex.dropFirst(2)))
    }

    /// Points `refs/heads/<branch>` at `commit`.
    public func setBranch(_ branch: String, to commit: GitObjectID) throws {
        try run("update-ref", "refs/heads/\(branch)", commit.hex)
    }

    /// Runs `git --git-dir=<repo> args…`, returning its output; throws with stderr when it fails.
    @discardableResult
    public func run(_ arguments: String...) throws -> String {
        try git(["--git-dir=\(path)"] + arguments)
    }

    @discardableResult
    private func git(_ arguments: String...) throws -> String { try git(arguments) }

    private func git(_ arguments: [String]) throws -> String {
        try Self.git(arguments, input: nil)
    }

    /// Runs `/usr/bin/git arguments…` with `input` on stdin; throws with stderr when it fails.
    public static func git(_ arguments: [String], input: [UInt8]?) throws -> String {
        try GitCLI.check(arguments, input: input).text
    }
}
