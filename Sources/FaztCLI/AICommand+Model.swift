import ArgumentParser
import FaztAPI
import FaztKernel
import Foundation

extension AICommand {
    /// `fazt ai model add|list|remove|default`.
    struct ModelCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "model",
            abstract: "Add, list and remove model aliases, and choose the default.",
            subcommands: [Add.self, List.self, Remove.self, Default.self]
        )

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a model alias, or replace the one of the same alias.",
                discussion: """
                    Prices are USD per million tokens and only feed the usage costs and the cost budgets. \
                    --fallback names another alias tried when this one fails (no cycles). \
                    e.g. 'fazt ai model add fast --provider openai --model gpt-4o-mini --input-price 0.15 \
                    --output-price 0.6 --default'.
                    """
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The alias apps use: lowercase letters, digits and '-', at most 40.") var alias: String
            @Option(help: "The provider name (see 'fazt ai provider list').") var provider: String
            @Option(help: "The provider's model id (e.g. gpt-4o-mini).") var model: String
            @Option(help: "USD per million input tokens.") var inputPrice: Double?
            @Option(help: "USD per million output tokens.") var outputPrice: Double?
            @Option(help: "USD per million cache-read tokens.") var cacheReadPrice: Double?
            @Option(help: "USD per million cache-write tokens.") var cacheWritePrice: Double?
            @Option(help: "Another alias to try when this one fails.") var fallback: String?
            @Flag(name: .customLong("default"), help: "Make this the alias apps get when they name none.")
            var isDefault = false

            func run() throws {
                _ = try AINames.checked(alias, kind: "model alias")
                _ = try AINames.modelID(model)
                let body = AIModelBody(
                    alias: alias,
                    provider: provider,
                    model: model,
                    inputPrice: inputPrice,
                    outputPrice: outputPrice,
                    cacheReadPrice: cacheReadPrice,
                    cacheWritePrice: cacheWritePrice,
                    fallback: fallback,
                    isDefault: isDefault
                )
                let bytes = try JSONEncoder().encode(body)
                guard
                    let stored = try options.client().fetch(
                        AIModelBody.self,
                        "POST",
                        "/ai/models",
                        body: Array(bytes),
                        json: options.json
                    )
                else { return }
                print(
                    "added model \(stored.alias) (\(stored.provider)/\(stored.model))\(stored.isDefault ? ", the default" : "")"
                )
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List model aliases with their prices.")
            @OptionGroup var options: ClientOptions

            func run() throws {
                guard let list = try options.client().fetch(AIModelList.self, "GET", "/ai/models", json: options.json)
                else { return }
                guard !list.models.isEmpty else {
                    print("no models: add one with 'fazt ai model add ALIAS --provider NAME --model ID'")
                    return
                }
                func price(_ value: Double?) -> String { value.map { "\($0)" } ?? "-" }
                Output.table(
                    ["ALIAS", "PROVIDER", "MODEL", "IN $/M", "OUT $/M", "CACHE R/W $/M", "FALLBACK", "DEFAULT"],
                    list.models.map {
                        [
                            $0.alias, $0.provider, $0.model, price($0.inputPrice), price($0.outputPrice),
                            "\(price($0.cacheReadPrice))/\(price($0.cacheWritePrice))", $0.fallback ?? "-",
                            $0.isDefault ? "yes" : "",
                        ]
                    }
                )
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a model alias (refused while others fall back to it)."
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The alias.") var alias: String

            func run() throws {
                _ = try options.client().call("DELETE", "/ai/models/\(alias)")
                print("removed model \(alias)")
            }
        }

        struct Default: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Make an alias the default (the model apps get when they name none)."
            )
            @OptionGroup var options: ClientOptions
            @Argument(help: "The alias.") var alias: String

            func run() throws {
                let body = try JSONEncoder().encode(AIDefaultBody(alias: alias))
                _ = try options.client().call("PUT", "/ai/default", body: Array(body))
                print("\(alias) is the default model")
            }
        }
    }
}
