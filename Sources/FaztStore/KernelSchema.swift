/// The kernel's schema: an append-only, numbered list of migrations embedded in the binary.
///
/// Never edit a released entry; add a new one at the end.
public enum KernelSchema {
    /// Every migration, in order; version N is at index N-1.
    public static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "vfs and tokens",
            sql: """
                CREATE TABLE apps (
                    name TEXT PRIMARY KEY,
                    live_version INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE blobs (
                    id INTEGER PRIMARY KEY,
                    hash BLOB NOT NULL UNIQUE,
                    size INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    gzip BLOB,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE versions (
                    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
                    n INTEGER NOT NULL,
                    parent INTEGER,
                    message TEXT,
                    source TEXT NOT NULL,
                    files INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    manifest TEXT,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app, n)
                ) WITHOUT ROWID;
                CREATE TABLE files (
                    app TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    blob BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    mime TEXT NOT NULL,
                    PRIMARY KEY (app, version, path),
                    FOREIGN KEY (app, version) REFERENCES versions(app, n) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX files_blob ON files(blob);
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    hash BLOB NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER
                );
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                """
        ),
        Migration(
            version: 2,
            name: "app logs",
            sql: """
                CREATE TABLE logs (
                    id INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    level TEXT NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX logs_app ON logs(app, id);
                """
        ),
        Migration(
            version: 3,
            name: "app env",
            sql: """
                CREATE TABLE env (
                    app TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (app, key)
                ) WITHOUT ROWID;
                """
        ),
        Migration(
            version: 4,
            name: "app storage",
            sql: """
                CREATE TABLE kv (
                    app TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    expires_at INTEGER,
                    PRIMARY KEY (app, key)
                ) WITHOUT ROWID;
                CREATE INDEX kv_expiry ON kv(expires_at) WHERE expires_at IS NOT NULL;
                CREATE TABLE docs (
                    rowid INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    id TEXT NOT NULL,
                    data TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (app, collection, id)
                );
                CREATE TABLE doc_indexes (
                    app TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    field TEXT NOT NULL,
                    name TEXT NOT NULL,
                    PRIMARY KEY (app, collection, field)
                ) WITHOUT ROWID;
                CREATE TABLE stored_blobs (
                    rowid INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    path TEXT NOT NULL,
                    type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    etag TEXT NOT NULL,
                    data BLOB NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (app, path)
                );
                CREATE TABLE storage_usage (
                    app TEXT PRIMARY KEY,
                    kv_bytes INTEGER NOT NULL DEFAULT 0,
                    doc_bytes INTEGER NOT NULL DEFAULT 0,
                    blob_bytes INTEGER NOT NULL DEFAULT 0,
                    sql_bytes INTEGER NOT NULL DEFAULT 0,
                    quota_bytes INTEGER
                ) WITHOUT ROWID;
                CREATE TRIGGER kv_usage_insert AFTER INSERT ON kv BEGIN
                    INSERT INTO storage_usage (app, kv_bytes) VALUES (NEW.app, length(NEW.key) + length(NEW.value))
                    ON CONFLICT (app) DO UPDATE SET kv_bytes = kv_bytes + excluded.kv_bytes;
                END;
                CREATE TRIGGER kv_usage_update AFTER UPDATE OF value ON kv BEGIN
                    UPDATE storage_usage SET kv_bytes = kv_bytes + length(NEW.value) - length(OLD.value)
                    WHERE app = NEW.app;
                END;
                CREATE TRIGGER kv_usage_delete AFTER DELETE ON kv BEGIN
                    UPDATE storage_usage SET kv_bytes = kv_bytes - length(OLD.key) - length(OLD.value)
                    WHERE app = OLD.app;
                END;
                CREATE TRIGGER docs_usage_insert AFTER INSERT ON docs BEGIN
                    INSERT INTO storage_usage (app, doc_bytes) VALUES (NEW.app, length(NEW.id) + length(NEW.data))
                    ON CONFLICT (app) DO UPDATE SET doc_bytes = doc_bytes + excluded.doc_bytes;
                END;
                CREATE TRIGGER docs_usage_update AFTER UPDATE OF data ON docs BEGIN
                    UPDATE storage_usage SET doc_bytes = doc_bytes + length(NEW.data) - length(OLD.data)
                    WHERE app = NEW.app;
                END;
                CREATE TRIGGER docs_usage_delete AFTER DELETE ON docs BEGIN
                    UPDATE storage_usage SET doc_bytes = doc_bytes - length(OLD.id) - length(OLD.data)
                    WHERE app = OLD.app;
                END;
                CREATE TRIGGER blobs_usage_insert AFTER INSERT ON stored_blobs BEGIN
                    INSERT INTO storage_usage (app, blob_bytes) VALUES (NEW.app, NEW.size + length(NEW.path))
                    ON CONFLICT (app) DO UPDATE SET blob_bytes = blob_bytes + excluded.blob_bytes;
                END;
                CREATE TRIGGER blobs_usage_update AFTER UPDATE OF data ON stored_blobs BEGIN
                    UPDATE storage_usage SET blob_bytes = blob_bytes + NEW.size - OLD.size WHERE app = NEW.app;
                END;
                CREATE TRIGGER blobs_usage_delete AFTER DELETE ON stored_blobs BEGIN
                    UPDATE storage_usage SET blob_bytes = blob_bytes - OLD.size - length(OLD.path) WHERE app = OLD.app;
                END;
                """
        ),
        Migration(
            version: 5,
            name: "scheduler",
            sql: """
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    app TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT,
                    key TEXT,
                    handler TEXT NOT NULL,
                    state TEXT NOT NULL,
                    run_at INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    attempt INTEGER NOT NULL DEFAULT 0,
                    retries INTEGER NOT NULL DEFAULT 3,
                    backoff INTEGER NOT NULL DEFAULT 1000,
                    timeout INTEGER NOT NULL DEFAULT 60000,
                    misfire TEXT NOT NULL DEFAULT 'run-once',
                    created_at INTEGER NOT NULL,
                    error TEXT
                );
                CREATE INDEX jobs_due ON jobs(run_at) WHERE status = 'pending';
                CREATE INDEX jobs_app ON jobs(app, run_at);
                CREATE UNIQUE INDEX jobs_key ON jobs(app, key) WHERE key IS NOT NULL AND status = 'pending';
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    handler TEXT NOT NULL,
                    job INTEGER,
                    name TEXT,
                    attempt INTEGER NOT NULL DEFAULT 1,
                    started_at INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    error TEXT,
                    output TEXT
                );
                CREATE INDEX runs_app ON runs(app, id);
                CREATE INDEX runs_started ON runs(started_at);
                """
        ),
        Migration(
            version: 6,
            name: "events, secrets and notifications",
            sql: """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    uid TEXT NOT NULL,
                    app TEXT NOT NULL,
                    type TEXT NOT NULL,
                    source TEXT NOT NULL,
                    data TEXT NOT NULL,
                    time INTEGER NOT NULL
                );
                CREATE INDEX events_app ON events(app, id);
                CREATE INDEX events_time ON events(time);
                CREATE TABLE subscriptions (
                    id INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    pattern TEXT NOT NULL,
                    handler TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    UNIQUE (app, pattern, handler, origin)
                );
                CREATE TABLE grants (
                    app TEXT NOT NULL,
                    permission TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app, permission)
                ) WITHOUT ROWID;
                CREATE TABLE secrets (
                    app TEXT NOT NULL,
                    name TEXT NOT NULL,
                    value BLOB NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (app, name)
                ) WITHOUT ROWID;
                CREATE TABLE notifications (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    app TEXT NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT,
                    url TEXT,
                    priority TEXT NOT NULL,
                    tags TEXT,
                    channel TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX notifications_time ON notifications(created_at);
                CREATE TABLE channels (
                    name TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    config BLOB NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """
        ),
        Migration(
            version: 7,
            name: "persisted events count in the app's storage",
            sql: """
                ALTER TABLE storage_usage ADD COLUMN event_bytes INTEGER NOT NULL DEFAULT 0;
                INSERT INTO storage_usage (app, event_bytes)
                    SELECT app, SUM(length(uid) + length(type) + length(source) + length(data)) FROM events GROUP BY app
                    ON CONFLICT (app) DO UPDATE SET event_bytes = excluded.event_bytes;
                CREATE TRIGGER events_usage_insert AFTER INSERT ON events BEGIN
                    INSERT INTO storage_usage (app, event_bytes)
                    VALUES (NEW.app, length(NEW.uid) + length(NEW.type) + length(NEW.source) + length(NEW.data))
                    ON CONFLICT (app) DO UPDATE SET event_bytes = event_bytes + excluded.event_bytes;
                END;
                CREATE TRIGGER events_usage_delete AFTER DELETE ON events BEGIN
                    UPDATE storage_usage
                    SET event_bytes = event_bytes - length(OLD.uid) - length(OLD.type) - length(OLD.source) - length(OLD.data)
                    WHERE app = OLD.app;
                END;
                """
        ),
        Migration(
            version: 8,
            name: "owner sessions for owner-only apps",
            sql: """
                CREATE TABLE owner_sessions (
                    hash BLOB PRIMARY KEY,
                    app TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX owner_sessions_expiry ON owner_sessions(expires_at);
                """
        ),
        Migration(
            version: 9,
            name: "ai providers, models, budgets and usage",
            sql: """
                CREATE TABLE ai_providers (
                    name TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    base_url TEXT NOT NULL,
                    key BLOB,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE ai_models (
                    alias TEXT PRIMARY KEY,
                    provider TEXT NOT NULL,
                    model TEXT NOT NULL,
                    input_price REAL,
                    output_price REAL,
                    cache_read_price REAL,
                    cache_write_price REAL,
                    fallback TEXT,
                    is_default INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE ai_budgets (
                    app TEXT PRIMARY KEY,
                    tokens_per_day INTEGER,
                    tokens_per_month INTEGER,
                    cost_micros_per_day INTEGER,
                    cost_micros_per_month INTEGER,
                    requests_per_minute INTEGER,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE ai_calls (
                    id INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    model_alias TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    provider_model TEXT NOT NULL,
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cache_read_tokens INTEGER NOT NULL,
                    cache_write_tokens INTEGER NOT NULL,
                    cost_micros INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    first_token_ms INTEGER,
                    outcome TEXT NOT NULL,
                    error_code TEXT,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX ai_calls_app_time ON ai_calls(app, created_at);
                """
        ),
        Migration(
            version: 10,
            name: "drafts",
            sql: """
                CREATE TABLE drafts (
                    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    base INTEGER,
                    revision INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (app, name)
                ) WITHOUT ROWID;
                CREATE TABLE draft_files (
                    app TEXT NOT NULL,
                    draft TEXT NOT NULL,
                    path TEXT NOT NULL,
                    blob BLOB,
                    size INTEGER NOT NULL,
                    mime TEXT,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (app, draft, path),
                    FOREIGN KEY (app, draft) REFERENCES drafts(app, name) ON DELETE CASCADE
                ) WITHOUT ROWID;
                CREATE INDEX draft_files_blob ON draft_files(blob) WHERE blob IS NOT NULL;
                """
        ),
        Migration(
            version: 11,
            name: "versions are git commits",
            sql: """
                ALTER TABLE blobs ADD COLUMN git_oid BLOB;
                CREATE UNIQUE INDEX blobs_git_oid ON blobs(git_oid);
                ALTER TABLE versions ADD COLUMN commit_oid BLOB;
                CREATE TABLE git_objects (
                    oid BLOB PRIMARY KEY,
                    type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    data BLOB NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE git_refs (
                    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    oid BLOB NOT NULL,
                    PRIMARY KEY (app, name)
                ) WITHOUT ROWID;
                """,
            apply: { try GitHistory.backfill($0) }
        ),
        Migration(
            version: 12,
            name: "data restore points",
            sql: """
                CREATE TABLE journal (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    app TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    changeset BLOB NOT NULL,
                    at INTEGER NOT NULL
                );
                CREATE INDEX journal_app ON journal(app, seq);
                CREATE INDEX journal_at ON journal(at);
                CREATE TABLE snapshots (
                    app TEXT NOT NULL,
                    name TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app, name)
                ) WITHOUT ROWID;
                CREATE TABLE journal_pruned (
                    app TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                ALTER TABLE versions ADD COLUMN journal_seq INTEGER;
                """
        ),
        Migration(
            version: 13,
            name: "scoped tokens",
            sql: """
                ALTER TABLE tokens ADD COLUMN apps TEXT;
                ALTER TABLE tokens ADD COLUMN scopes TEXT;
                ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
                """
        ),
        Migration(
            version: 14,
            name: "git clone pack cache",
            sql: """
                CREATE TABLE git_pack_cache (
                    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
                    commit_oid BLOB NOT NULL,
                    pack BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app, commit_oid)
                );
                """
        ),
        Migration(
            version: 15,
            name: "audit trail and approvals",
            sql: """
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    token TEXT NOT NULL,
                    action TEXT NOT NULL,
                    app TEXT,
                    args_hash TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    duration_ms INTEGER NOT NULL
                );
                CREATE INDEX audit_token ON audit(token, id);
                CREATE TABLE approvals (
                    id TEXT PRIMARY KEY,
                    created_at INTEGER NOT NULL,
                    token TEXT NOT NULL,
                    app TEXT NOT NULL,
                    action TEXT NOT NULL,
                    arguments TEXT NOT NULL,
                    status TEXT NOT NULL,
                    decided_at INTEGER,
                    result TEXT
                ) WITHOUT ROWID;
                """
        ),
        Migration(
            version: 16,
            name: "egress grants and outbound call log",
            sql: """
                CREATE TABLE egress_grants (
                    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
                    host TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app, host)
                ) WITHOUT ROWID;
                CREATE TABLE egress_log (
                    id INTEGER PRIMARY KEY,
                    app TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    host TEXT NOT NULL,
                    method TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL,
                    error TEXT
                );
                CREATE INDEX egress_log_app ON egress_log(app, id);
                """
        ),
        Migration(
            version: 17,
            name: "secrets bound to hosts, readable secrets and global secrets",
            sql: """
                ALTER TABLE secrets ADD COLUMN hosts TEXT;
                ALTER TABLE secrets ADD COLUMN readable INTEGER NOT NULL DEFAULT 0;
                """
        ),
        Migration(
            version: 18,
            name: "OAuth providers, connections and pending authorizations",
            sql: """
                CREATE TABLE oauth_providers (
                    name TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    client_secret BLOB,
                    authorize_url TEXT NOT NULL,
                    token_url TEXT NOT NULL,
                    revoke_url TEXT,
                    scopes TEXT NOT NULL DEFAULT '',
                    pkce INTEGER NOT NULL DEFAULT 1,
                    api_hosts TEXT,
                    auth_params TEXT NOT NULL DEFAULT '',
                    client_auth TEXT NOT NULL DEFAULT 'post',
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE oauth_connections (
                    name TEXT PRIMARY KEY,
                    provider TEXT NOT NULL,
                    scopes TEXT NOT NULL DEFAULT '',
                    access_token BLOB,
                    refresh_token BLOB,
                    token_type TEXT NOT NULL DEFAULT 'Bearer',
                    expires_at INTEGER,
                    status TEXT NOT NULL,
                    last_used_at INTEGER,
                    last_error TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE oauth_states (
                    state_hash BLOB PRIMARY KEY,
                    connection TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    verifier BLOB NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """
        ),
        Migration(
            version: 19,
            name: "ACME accounts and TLS certificates",
            sql: """
                CREATE TABLE acme_accounts (
                    directory TEXT PRIMARY KEY,
                    url TEXT,
                    key BLOB NOT NULL,
                    email TEXT,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE tls_certificates (
                    name TEXT PRIMARY KEY,
                    chain TEXT NOT NULL,
                    key BLOB NOT NULL,
                    issuer TEXT NOT NULL,
                    not_before INTEGER NOT NULL,
                    not_after INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                """
        ),
        moduleCacheMigration,
        Migration(
            version: 21,
            name: "job lateness and recent deploys (dashboard)",
            sql: """
                ALTER TABLE runs ADD COLUMN late_ms INTEGER;
                CREATE INDEX versions_created ON versions(created_at);
                """
        ),
    ]
}
