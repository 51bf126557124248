import FaztAPI
import FaztGit
import FaztGitRemote
import FaztKernel
import FaztStore
import FaztVFS
import Foundation

/// `POST /apps/{name}/git/push` and `/git/pull`: an app's history out to, and in from, external
/// git repositories over HTTPS (`fazt git push|pull`).
extension ControlAPI {
    /// The route, or nil when the path is not one of these.
    func gitRemoteRoute(_ request: APIRequest, _ segments: [String]) async throws -> Response? {
        guard segments.count == 4, segments[0] == "apps", segments[2] == "git",
            segments[3] == "push" || segments[3] == "pull"
        else { return nil }
        guard request.method == .POST else { throw APIError.methodNotAllowed(request.method) }
        do {
            return segments[3] == "push"
                ? try await gitPush(request, app: segments[1]) : try await gitPull(request, app: segments[1])
        } catch let error as GitRemoteError {
            throw Self.apiError(error)
        } catch let error as GitProtocolError {
            throw Self.apiError(.protocolError(error.message))
        }
    }

    private func gitPush(_ request: APIRequest, app rawName: String) async throws -> Response {
        let body = try request.decodeJSON(GitPushRequest.self)
        let vfs = services.vfs
        let store = services.store
        let secrets = services.secrets
        let app = try await blocking { try vfs.info(app: rawName).name }
        let remote = try await blocking {
            try GitRemote(url: body.url, credentials: try Self.credentials(secrets, app: app, body.secret, body.user))
        }
        let outcome = try await blocking { () throws -> GitPushOutcome in
            guard let commit = try store.read({ try GitHistory.main($0, app: app) }) else {
                throw VFSError(.conflict, "\(app) has no history to push yet: deploy it first")
            }
            return try GitPush.push(
                to: remote,
                commit: commit,
                branch: body.branch ?? "main",
                force: body.force ?? false,
                lookup: try vfs.gitObjects(app: app)
            )
        }
        services.logger.info(
            "git push",
            metadata: [
                "app": "\(app)", "git.url": "\(remote.url)", "git.ref": "\(outcome.ref)",
                "git.status": "\(outcome.status.rawValue)", "git.objects": "\(outcome.objects)",
            ]
        )
        let result = GitRefResultBody(
            ref: outcome.ref,
            status: outcome.status.rawValue,
            reason: outcome.reason,
            old: outcome.old?.hex,
            new: outcome.new.hex,
            forced: outcome.forced
        )
        return .json(
            GitPushBody(
                app: app,
                url: remote.url,
                ok: outcome.status == .ok || outcome.status == .upToDate,
                refs: [result],
                unpack: outcome.unpack,
                messages: outcome.messages,
                objects: outcome.objects
            )
        )
    }

    private func gitPull(_ request: APIRequest, app rawName: String) async throws -> Response {
        let body = try request.decodeJSON(GitPullRequest.self)
        let vfs = services.vfs
        let store = services.store
        let secrets = services.secrets
        let supervisor = services.supervisor
        let app = try AppName.validate(rawName)
        // The app may not exist yet: a pull can create it, like a first deploy.
        let secretApp = app
        // The pack is bounded like a deploy's upload.
        let maxPack = vfs.limits.maxUploadBytes
        let remote = try await blocking {
            try GitRemote(
                url: body.url,
                credentials: try Self.credentials(secrets, app: secretApp, body.secret, body.user),
                maxResponseBytes: maxPack
            )
        }
        let maxFile = vfs.limits.maxFileBytes
        let (fetched, live) = try await blocking { () throws -> (GitFetchResult, GitObjectID?) in
            let (haves, live) = try store.read { connection in
                (
                    try GitHistory.recentCommits(connection, app: app, limit: 64),
                    try GitHistory.main(connection, app: app)
                )
            }
            let fetched = try GitFetch.fetch(
                from: remote,
                ref: body.ref,
                haves: haves,
                maxObjectBytes: maxFile,
                lookup: try vfs.gitObjects(app: app)
            )
            return (fetched, live)
        }
        var answer = GitPullBody(
            app: app,
            url: remote.url,
            ref: fetched.ref,
            commit: fetched.commit.hex,
            upToDate: live == fetched.commit,
            version: nil,
            files: nil,
            objects: fetched.objects.count,
            messages: fetched.messages,
            appURL: services.appURL(app)
        )
        if live != fetched.commit {
            let result = try await blocking {
                try vfs.deployGitCommit(app: app, commit: fetched.commit, objects: fetched.objects) { scripts in
                    try ScriptChecker.check(scripts, with: supervisor)
                }
            }
            _ = try await wentLive(result, source: "git")
            answer.version = result.version
            answer.files = result.files
        }
        services.logger.info(
            "git pull",
            metadata: [
                "app": "\(app)", "git.url": "\(remote.url)", "git.ref": "\(fetched.ref)",
                "git.commit": "\(fetched.commit.hex)", "git.objects": "\(fetched.objects.count)",
            ]
        )
        return .json(answer)
    }

    /// Basic credentials from the app secret `secret` (user `x-access-token` unless `user`), or nil.
    private static func credentials(
        _ secrets: AppSecrets,
        app: String,
        _ secret: String?,
        _ user: String?
    ) throws -> GitRemote.Credentials? {
        guard let secret else {
            if user != nil {
                throw APIError.badRequest("'user' needs 'secret': name the app secret that holds the token")
            }
            return nil
        }
        let name = try AppSecrets.validate(name: secret)
        guard let value = try secrets.value(app: app, name: name) else {
            throw APIError.badRequest(
                "secret '\(name)' is not set for \(app): store the token with 'fazt secret set \(app) \(name)'"
            )
        }
        let login = user ?? "x-access-token"
        guard !login.isEmpty, !login.contains(":"), !login.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw APIError.badRequest("'user' must be a non-empty name without ':' or control characters")
        }
        return GitRemote.Credentials(user: login, password: String(decoding: value, as: UTF8.self), secretName: name)
    }

    /// Maps a remote failure to an answer: our caller's mistakes are 4xx, the remote's are 502.
    static func apiError(_ error: GitRemoteError) -> APIError {
        switch error {
        case .invalidRequest(let message):
            APIError.badRequest(message)
        case .authenticationFailed(let message):
            APIError(status: .unprocessableEntity, code: "remote_authentication_failed", message: message)
        case .transport, .protocolError, .badPack, .remote:
            APIError(status: .badGateway, code: "git_remote_failed", message: error.description)
        }
    }
}
