import FaztAPI
import FaztNet
import FaztScheduler
import FaztStorage
import FaztVFS

// Wire bodies (FaztAPI) built from the domain records they show. The wire types are separate so
// that a domain change cannot silently change the control API: a field the CLI reads is added
// here on purpose.

extension AppBody {
    init(_ info: AppInfo, url: String) {
        self.init(
            name: info.name,
            version: info.version,
            versions: info.versions,
            files: info.files,
            bytes: info.bytes,
            createdAt: info.createdAt,
            updatedAt: info.updatedAt,
            url: url
        )
    }
}

extension VersionBody {
    init(_ info: VersionInfo) {
        self.init(
            version: info.version,
            parent: info.parent,
            files: info.files,
            bytes: info.bytes,
            source: info.source,
            message: info.message,
            createdAt: info.createdAt,
            live: info.live,
            commit: info.commit,
            tags: info.tags,
            journalSeq: info.journalSeq
        )
    }
}

extension RunBody {
    init(_ run: Run) {
        self.init(
            id: run.id,
            app: run.app,
            kind: run.kind,
            handler: run.handler,
            job: run.job,
            name: run.name,
            attempt: run.attempt,
            startedAt: run.startedAt,
            durationMs: run.durationMs,
            outcome: run.outcome,
            error: run.error,
            output: run.output,
            lateMs: run.lateMs
        )
    }
}

extension NotificationBody {
    init(_ item: NotificationMessage) {
        self.init(
            id: item.id,
            app: item.app,
            title: item.title,
            body: item.body,
            url: item.url,
            priority: item.priority,
            tags: item.tags,
            channel: item.channel,
            createdAt: item.createdAt
        )
    }
}

extension StorageBody {
    init(_ usage: StorageUsage, defaultQuota: Int64) {
        self.init(
            bytes: usage.total,
            kv: usage.kv,
            docs: usage.docs,
            sql: usage.sql,
            blobs: usage.blobs,
            events: usage.events,
            quota: usage.quota.map(Int64.init) ?? defaultQuota
        )
    }
}

extension VersionDiffBody {
    init(_ diff: VersionDiff) {
        self.init(
            app: diff.app,
            from: diff.from,
            to: diff.to,
            files: diff.files.map { file in
                FileChangeBody(
                    path: file.path,
                    status: file.status.rawValue,
                    from: file.from,
                    binary: file.binary,
                    oldSize: file.oldSize,
                    newSize: file.newSize,
                    additions: file.additions,
                    deletions: file.deletions
                )
            },
            diff: diff.diff,
            truncated: diff.truncated,
            omittedFiles: diff.omittedFiles
        )
    }
}
