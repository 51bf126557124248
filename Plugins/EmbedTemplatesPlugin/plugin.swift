import Foundation
import PackagePlugin

/// Generates `EmbeddedTemplates.swift` from `Sources/<target>/Templates/` (FaztCLI: the app templates
/// of `fazt create`; FaztServer: the dashboard's files).
@main
struct EmbedTemplatesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedTemplates.swift")
        let root = context.package.directoryURL.appending(path: "Sources/\(target.name)/Templates")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker
            where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(url)
            }
        }
        return [
            .buildCommand(
                displayName: "Embedding Sources/\(target.name)/Templates",
                executable: try context.tool(named: "EmbedFilesTool").url,
                arguments: [output.path, root.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
