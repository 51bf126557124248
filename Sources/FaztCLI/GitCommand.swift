import ArgumentParser
import FaztAPI
import Foundation

/// `fazt git push|pull`: an app's history out to, and in from, external git repositories.
struct GitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git",
        abstract: "Push an app's history to an external git repository, or pull and deploy a commit from one.",
        discussion: """
            Every version of an app is a commit on its 'main' branch. The daemon talks to the remote \
            over HTTP(S) (git's smart protocol); a token for it is an app secret ('fazt secret set APP \
            NAME -'), sent as HTTP Basic auth with the user 'x-access-token' (GitHub's convention) unless \
            --user says otherwise. A refused token is tried at most 3 times.
            """,
        subcommands: [Push.self, Pull.self]
    )

    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Push the app's history (its live 'main') to a branch of a git repository.",
            discussion: """
                Only objects the remote lacks are sent. An update that is not a fast-forward (the remote \
                has commits the app lacks) is refused unless --force. Lines the remote prints (hooks) \
                appear as 'remote: …'; the exit status is 1 unless the remote accepted the update.
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The repository URL, as in https://github.com/OWNER/REPO.git.") var url: String
        @Option(help: "The remote branch (default: main).") var branch: String?
        @Flag(help: "Overwrite the remote branch even when the update is not a fast-forward.") var force = false
        @Option(help: "The app secret that holds the token.") var secret: String?
        @Option(help: "The user name sent with the token (default: x-access-token).") var user: String?

        func run() throws {
            let request = GitPushRequest(
                url: url,
                branch: branch,
                force: force ? true : nil,
                secret: secret,
                user: user
            )
            let bytes = try options.client().call(
                "POST",
                "/apps/\(app.lowercased())/git/push",
                body: [UInt8](try JSONEncoder().encode(request))
            )
            let answer: GitPushBody
            do {
                answer = try JSONDecoder().decode(GitPushBody.self, from: Data(bytes))
            } catch {
                throw CLIError("unexpected answer from the server: \(error)")
            }
            if options.json {
                Output.printRawJSON(bytes)
            } else {
                print(Self.report(answer), terminator: "")
            }
            guard answer.ok else {
                FileHandle.standardError.write(Data("error: failed to push some refs to '\(answer.url)'\n".utf8))
                throw ExitCode.failure
            }
        }

        /// git-like lines: `remote: …`, `To URL`, then one line per ref.
        static func report(_ answer: GitPushBody) -> String {
            var out = answer.messages.map { "remote: \($0)\n" }.joined()
            if answer.refs.allSatisfy({ $0.status == "up-to-date" }) { return out + "Everything up-to-date\n" }
            out += "To \(answer.url)\n"
            for ref in answer.refs {
                let name = ref.ref.hasPrefix("refs/heads/") ? String(ref.ref.dropFirst(11)) : ref.ref
                let pair = "main -> \(name)"
                let old = ref.old.map { String($0.prefix(7)) }
                let new = String(ref.new.prefix(7))
                switch ref.status {
                case "ok" where old == nil:
                    out += " * [new branch]      \(pair)\n"
                case "ok" where ref.forced:
                    out += " + \(old ?? "")...\(new) \(pair) (forced update)\n"
                case "ok":
                    out += "   \(old ?? "")..\(new)  \(pair)\n"
                case "up-to-date":
                    out += " = [up to date]      \(pair)\n"
                case "rejected":
                    out += " ! [rejected]        \(pair) (\(ref.reason ?? "rejected"))\n"
                    if ref.reason == "non-fast-forward" {
                        out += "hint: the remote branch has commits that the app lacks; pull them first "
                        out += "('fazt git pull') or overwrite them with --force\n"
                    }
                default:
                    out += " ! [remote rejected] \(pair) (\(ref.reason ?? "rejected"))\n"
                }
            }
            return out
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a commit from a git repository and deploy its files as the app's live version.",
            discussion: """
                The files are checked like any deploy (paths, sizes, fazt.json, JavaScript syntax); a \
                refused commit changes nothing. The new version's commit is the fetched commit, so a \
                later 'fazt git push' to the same branch is a fast-forward. The app is created if needed.
                """
        )
        @OptionGroup var options: ClientOptions
        @Argument(help: "The app name.") var app: String
        @Argument(help: "The repository URL, as in https://github.com/OWNER/REPO.git.") var url: String
        @Option(help: "A branch, tag or full ref name (default: the remote's HEAD branch).") var ref: String?
        @Option(help: "The app secret that holds the token.") var secret: String?
        @Option(help: "The user name sent with the token (default: x-access-token).") var user: String?

        func run() throws {
            let request = GitPullRequest(url: url, ref: ref, secret: secret, user: user)
            let body = [UInt8](try JSONEncoder().encode(request))
            let path = "/apps/\(app.lowercased())/git/pull"
            guard
                let answer = try options.client().fetch(GitPullBody.self, "POST", path, body: body, json: options.json)
            else { return }
            for line in answer.messages { print("remote: \(line)") }
            print("From \(answer.url)")
            let name = answer.ref.hasPrefix("refs/heads/") ? String(answer.ref.dropFirst(11)) : answer.ref
            if answer.upToDate {
                print(" * \(name) (\(answer.commit.prefix(7))) is already live: nothing to deploy")
                return
            }
            let files = answer.files ?? 0
            print(
                " * \(name) (\(answer.commit.prefix(7))) -> version \(answer.version ?? 0) of \(answer.app), "
                    + "\(files) file\(files == 1 ? "" : "s")"
            )
            if let appURL = answer.appURL { print("live at \(appURL)") }
        }
    }
}
