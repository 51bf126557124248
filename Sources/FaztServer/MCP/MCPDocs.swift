/// The text `fazt_docs` returns: enough of Fazt for an agent to build an app with no other
/// documentation (a condensed form of docs/api.md, embedded in the binary).
enum MCPDocs {
    static let topics = ["all", "loop", "app", "handlers", "api"]

    static func text(_ topic: String) -> String? {
        switch topic {
        case "all": [loop, app, handlers, api].joined(separator: "\n\n")
        case "loop": loop
        case "app": app
        case "handlers": handlers
        case "api": api
        default: nil
        }
    }

    static let loop = """
        # The loop
        1. files_write the app's files into a draft (default draft "main"; a draft is never live).
        2. commit: the draft becomes a new version N (not live) with a preview URL.
        3. preview_request app+version+path: check status, body and the logs it emitted. Preview storage is
           separate and starts empty; live data is never touched.
        4. deploy version N (pass expectedLive = the live version you saw, and an idempotencyKey).
        5. logs_read / runs_list: watch the live app; a failed request's run holds message, where and stack.
        6. rollback: the previous version goes live again; every version is kept.
        app_create makes a new app (then write files and commit). data_snapshot names a restore point;
        data_restore may answer pending_approval: the owner approves, and app_status shows the outcome.
        A tool the token cannot use answers isError naming the scope it lacks.
        """

    static let app = """
        # An app
        Files: index.html and other static files are served as is at http://APP.DOMAIN/ (404.html for
        misses); api/ holds JavaScript handlers (never served); private/ is readable by code only.
        fazt.json (optional, unknown keys are errors): {"name", "access": "public"|"owner", "spa": bool,
        "debug": bool (500 bodies carry the error), "env": {K: V}, "cors": {"origins": [..]},
        "limits": {"timeoutMs", "memoryMB"}, "schedules": [{"cron": "*/5 * * * *", "handler": "api/x.js"}]}.
        """

    static let handlers = """
        # Handlers (api/)
        api/users.js answers /api/users; api/todos/[id].js answers /api/todos/42 (req.params.id);
        [...rest].js catches the rest; api/index.js answers /api; api/main.js is the fallback.
        Module form: module.exports = async (req) => response, or exports.GET / exports.POST = ...
        req: method, path, url, query, headers (lower-case), cookies, ip, params, body (parsed JSON,
        form object or text), text(), json(), arrayBuffer().
        Response: new Response(body, {status, headers}), Response.json(data), an object
        {status, headers, body}, a string (text/plain), or any value (JSON). undefined → 204.
        A throw → 500 {"error":"internal error","run":ID}; runs_list shows the message and stack.
        Limits: 5 s wall clock and 256 MB per invocation by default (503 past them).
        """

    static let api = """
        # The fazt.* API (synchronous storage calls; errors throw FaztError {code, message})
        console.log / fazt.log.info|warn|error → the app log (logs_read).
        fazt.app {name, version}; fazt.env.get(name, fallback); fazt.files.list(prefix) / read(path).
        fazt.storage.kv: get(k), set(k, v, {ttl: "10m"}), has, delete, incr(k, by), list({prefix, limit, cursor}).
        fazt.storage.docs: insert(coll, doc) → id, get(coll, id), find(coll, query, {sort, limit, skip}),
          findOne, count, update(coll, query, {$set, $inc, $push}), delete(coll, query), createIndex(coll, field).
          Query operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $contains $startsWith $and $or $not.
        fazt.storage.sql: query(sql, params) → rows, exec(sql, params) → {changes, lastInsertRowid},
          batch([...]); tables are the app's own.
        fazt.storage.blobs: put(path, data, {type}), get(path) → {data, type, size}, delete(path), list({prefix}).
        fazt.storage.transaction(fn): fn runs atomically (synchronous fn only).
        fazt.schedule("10m", state, {handler: "jobs/remind.js", key}) → {id, runAt}: durable timers;
          fazt.schedule.cancel(keyOrId), get(id), list().
        fazt.events.emit(type, data) and fazt.events.on(pattern, "handlers/x.js").
        fazt.notify({title, body, url}): the owner's inbox. fetch(url, init): outbound HTTP (no private addresses).
        fazt.secrets (owner secrets, used in the daemon, never read): hmac(name, data, {alg, encoding}) → hex,
          sign(name, claims, {alg, header}) → JWT (HS256, RS256/ES256 for PEM keys), verify(name, data, sig) /
          verify(name, jwt) → boolean; get(name) only for secrets set --readable. Keys: fazt secret set, not env.
        await fazt.ai({messages | prompt, model?}) → {text, ...} when the owner configured a provider.
        Globals: setTimeout, URL, URLSearchParams, TextEncoder/Decoder, crypto.randomUUID(), crypto.subtle.
        require('./x.js') inside the app; bundled: lodash, cheerio, marked.
        """
}
