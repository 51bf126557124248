// Build-time tool: writes a Swift file embedding lodash, cheerio (bundled with esbuild) and marked
// from Debian's packages, and the TypeScript compiler (minified with esbuild, gzip-compressed) that
// turns ES modules and TypeScript into CommonJS at deploy. A package that is missing becomes nil,
// and `require` (or the deploy) explains how to get it; the build itself never fails for it.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: BundleJSTool OUTPUT WORKDIR\n".utf8))
    exit(2)
}
let output = arguments[1]
let workDirectory = arguments[2]

func read(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return String(decoding: data, as: UTF8.self)
}

func bundleCheerio() -> String? {
    let esbuild = "/usr/bin/esbuild"
    guard FileManager.default.isExecutableFile(atPath: esbuild),
        FileManager.default.fileExists(atPath: "/usr/share/nodejs/cheerio/package.json")
    else { return nil }
    let entry = workDirectory + "/cheerio-entry.js"
    let bundle = workDirectory + "/cheerio-bundle.js"
    guard FileManager.default.createFile(atPath: entry, contents: Data("module.exports = require('cheerio');\n".utf8))
    else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: esbuild)
    process.arguments = [
        entry, "--bundle", "--format=cjs", "--platform=neutral", "--main-fields=main,module", "--minify",
        "--log-level=error", "--outfile=" + bundle,
    ]
    var environment = ProcessInfo.processInfo.environment
    environment["NODE_PATH"] = "/usr/share/nodejs"
    process.environment = environment
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        return nil
    }
    guard process.terminationStatus == 0 else { return nil }
    return read(bundle)
}

/// Runs a tool with arguments; true when it exits 0.
func runTool(_ path: String, _ arguments: [String], stdout: String? = nil) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: path) else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let stdout {
        guard FileManager.default.createFile(atPath: stdout, contents: nil),
            let handle = FileHandle(forWritingAtPath: stdout)
        else { return false }
        process.standardOutput = handle
    }
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        return false
    }
    return process.terminationStatus == 0
}

/// Debian's `node-typescript` (`typescript.js`, 11 MB) minified by esbuild and gzip-compressed
/// (about 0.9 MB); the worker inflates it once, when it first transforms a module.
func bundleTypeScript() -> Data? {
    let source = "/usr/share/nodejs/typescript/lib/typescript.js"
    guard FileManager.default.fileExists(atPath: source) else { return nil }
    let minified = workDirectory + "/typescript.min.js"
    guard
        runTool(
            "/usr/bin/esbuild",
            [source, "--minify", "--format=cjs", "--platform=neutral", "--log-level=error", "--outfile=" + minified]
        ), runTool("/bin/gzip", ["-9", "-n", "-c", minified], stdout: minified + ".gz")
    else { return nil }
    return FileManager.default.contents(atPath: minified + ".gz")
}

/// A Swift literal for a module: base64 (minified sources contain raw control characters that a
/// Swift source file may not), decoded once, lazily, by the worker that first requires it.
func literal(_ text: String?) -> String {
    guard let text else { return "nil" }
    return "\"" + Data(text.utf8).base64EncodedString() + "\""
}

let modules: [(String, String?)] = [
    ("lodash", read("/usr/share/javascript/lodash/lodash.min.js")),
    ("cheerio", bundleCheerio()),
    ("marked", read("/usr/share/javascript/marked/marked.umd.min.js")),
]
var source = "// Generated at build time by BundleJSTool from Debian's packages. Do not edit.\n\n"
source += "/// Third-party modules embedded in the binary (nil: the package was missing at build time).\n"
source += "enum BundledSources {\n"
source += "    /// The module's source, base64-encoded; nil when it was not bundled.\n"
source += "    static func base64(_ name: String) -> String? {\n        switch name {\n"
for (name, _) in modules { source += "        case \"\(name)\": return \(name)\n" }
source += "        default: return nil\n        }\n    }\n\n"
source += "    static let names: [String] = [" + modules.map { "\"\($0.0)\"" }.joined(separator: ", ") + "]\n\n"
for (name, text) in modules {
    source += "    private static let \(name): String? = \(literal(text))\n\n"
}
source += "    /// The TypeScript compiler (`typescript.js`), minified and gzip-compressed, base64-encoded; nil\n"
source += "    /// when `node-typescript` was missing at build time.\n"
source += "    static let typescriptGzip: String? = "
source += bundleTypeScript().map { "\"" + $0.base64EncodedString() + "\"" } ?? "nil"
source += "\n\n"

source += "}\n"
do {
    try source.write(toFile: output, atomically: true, encoding: .utf8)
} catch {
    FileHandle.standardError.write(Data("BundleJSTool: cannot write \(output): \(error)\n".utf8))
    exit(1)
}
