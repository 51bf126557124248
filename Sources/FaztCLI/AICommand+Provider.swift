import ArgumentParser
import FaztAPI
import FaztKernel
import Foundation

extension AICommand {
    /// `fazt ai provider add|list|remove|test`.
    struct ProviderCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "provider",
            abstract: "Add, list, remove and test AI providers (keys are encrypted at rest, never shown again).",
            subcommands: [Add.self, List.self, Remove.self, Test.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a provider, or replace the one of the same name.",
                discussion: """
                    The key is read from stdin with --key-stdin (never from the command line, so it stays \
                    out of shell history and process lists), e.g. 'fazt ai provider add openai --type openai \
                    --key-stdin < key.txt'. Base URLs default to the provider's public API; openai-compatible \
                    needs one (e.g. http://127.0.0.1:11434/v1 for Ollama). Loopback and private addresses are \
                    allowed.
                    """
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The provider name: lowercase letters, digits and '-', at most 40.") var name: String
            @Option(help: "openai, openai-compatible, anthropic or gemini.") var type: String
            @Option(help: "The API base URL (http or https; default: the type's public API).") var baseURL: String?
            @Flag(help: "Read the API key from stdin.") var keyStdin = false

            func run() throws {
                // The server's own rules, checked before stdin is read.
                _ = try AINames.checked(name, kind: "provider name")
                _ = try AINames.baseURL(baseURL, type: try AIProviderType.checked(type))
                var key: String?
                if keyStdin {
                    var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
                    guard !text.isEmpty else {
                        throw CLIError("--key-stdin read nothing: pipe the key in, e.g. '... --key-stdin < key.txt'")
                    }
                    key = text
                }
                let body = try JSONEncoder().encode(
                    AIProviderAddBody(name: name, type: type, baseURL: baseURL, key: key)
                )
                guard
                    let stored = try options.client().fetch(
                        AIProviderBody.self,
                        "POST",
                        "/ai/providers",
                        body: Array(body),
                        json: options.json
                    )
                else { return }
                print(
                    "added provider \(stored.name) (\(stored.type), \(stored.baseURL), \(stored.keySet ? "key set" : "no key"))"
                )
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List providers (never their keys).")
            @OptionGroup var options: ClientOptions

            func run() throws {
                guard
                    let list = try options.client().fetch(
                        AIProviderList.self,
                        "GET",
                        "/ai/providers",
                        json: options.json
                    )
                else { return }
                guard !list.providers.isEmpty else {
                    print("no providers: add one with 'fazt ai provider add NAME --type TYPE --key-stdin'")
                    return
                }
                Output.table(
                    ["NAME", "TYPE", "BASE URL", "KEY"],
                    list.providers.map { [$0.name, $0.type, $0.baseURL, $0.keySet ? "key set" : "no key"] }
                )
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a provider (refused while model aliases use it)."
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The provider name.") var name: String

            func run() throws {
                _ = try options.client().call("DELETE", "/ai/providers/\(name)")
                print("removed provider \(name)")
            }
        }

        struct Test: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Ask a provider for its model list; prints the latency and the model ids.",
                discussion: "The server sends the request (with the stored key) and exits 1 when the provider refuses."
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The provider name.") var name: String

            func run() throws {
                guard
                    let result = try options.client().fetch(
                        AIProviderTestBody.self,
                        "POST",
                        "/ai/providers/\(name)/test",
                        json: options.json
                    )
                else { return }
                guard result.ok else {
                    throw CLIError(
                        "provider \(result.provider) failed after \(result.latencyMs) ms: \(result.error ?? "HTTP \(result.status)")"
                    )
                }
                print(
                    "provider \(result.provider) answered in \(result.latencyMs) ms with \(result.models.count) models"
                )
                for model in result.models { print("  \(model)") }
            }
        }
    }
}
