import Foundation
import PackagePlugin

/// Generates `BundledSources.swift` (lodash, cheerio, marked and the TypeScript compiler from Debian's
/// packages) for FaztRuntime.
@main
struct BundleJSPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BundledSources.swift")
        // Rebuild when a package changes; list only inputs that exist (missing ones become stubs).
        let candidates = [
            "/usr/share/javascript/lodash/lodash.min.js",
            "/usr/share/javascript/marked/marked.umd.min.js",
            "/usr/share/nodejs/cheerio/package.json",
            "/usr/bin/esbuild",
            "/usr/share/nodejs/typescript/lib/typescript.js",
        ]
        let inputs = candidates.filter { FileManager.default.fileExists(atPath: $0) }.map { URL(fileURLWithPath: $0) }
        return [
            .buildCommand(
                displayName: "Bundling lodash, cheerio, marked and TypeScript for the JavaScript runtime",
                executable: try context.tool(named: "BundleJSTool").url,
                arguments: [output.path, context.pluginWorkDirectoryURL.path],
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
