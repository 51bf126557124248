import Foundation

/// The parts of an app's `fazt.json` that the VFS and static server use.
public struct Manifest: Sendable, Equatable {
    /// The app name the manifest asks for (used by `fazt deploy` when `--app` is not given).
    public var name: String?
    /// Serve `index.html` for extension-less paths that match no file.
    public var spa: Bool = false

    public init(name: String? = nil, spa: Bool = false) {
        self.name = name
        self.spa = spa
    }

    /// Parses manifest JSON; throws `badManifest` with the parser's complaint.
    public static func parse(_ data: [UInt8]) throws(VFSError) -> Manifest {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(data))
        } catch {
            throw VFSError(.badManifest, "fazt.json is not valid JSON: \(error.localizedDescription)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw VFSError(.badManifest, "fazt.json must be a JSON object")
        }
        var manifest = Manifest()
        if let name = dictionary["name"] {
            guard let name = name as? String else {
                throw VFSError(.badManifest, "fazt.json: \"name\" must be a string")
            }
            manifest.name = name
        }
        if let spa = dictionary["spa"] {
            guard let spa = spa as? Bool else {
                throw VFSError(.badManifest, "fazt.json: \"spa\" must be true or false")
            }
            manifest.spa = spa
        }
        return manifest
    }
}
