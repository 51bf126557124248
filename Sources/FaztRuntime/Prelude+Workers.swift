/// The prelude's Workers-style handlers: a file whose default export (or `module.exports`) is an
/// object with `fetch(request, env, ctx)` is called with a web `Request`, the app's env values
/// and a context whose `waitUntil(promise)` keeps the invocation running after the response is
/// sent. Also how a response leaves early: a `ReadableStream` body goes out chunk by chunk
/// (`host.streamStart`, `host.streamChunk`, `host.streamEnd`) and a response with `waitUntil` work
/// goes out whole (`host.respond`) before that work ends. Evaluated inside the prelude's function scope.
extension Prelude {
    static let workers = #"""
          // ---- Workers-style handlers -------------------------------------------------------
          const WORKERS_KEY = Symbol("workers");
          const WEB_REQUEST = Symbol("webRequest");
          // The object whose fetch() answers, or null: `export default {fetch}` (exports.default),
          // or `module.exports = {fetch}` when it exports no method handlers.
          function workersEntry(exports) {
            if (!exports || (typeof exports !== "object" && typeof exports !== "function")) return null;
            const main = exports.default;
            if (main && typeof main === "object" && typeof main.fetch === "function") return main;
            if (typeof exports === "object" && typeof exports.fetch === "function" && typeof main !== "function" &&
              !METHODS.some((m) => typeof exports[m] === "function")) return exports;
            return null;
          }
          // The web Request for an invocation's request (absolute URL, Headers, the body as sent).
          function webRequest(raw, bytes) {
            const headers = new Headers();
            for (const name of Object.keys(raw.headers || {})) headers.append(name, raw.headers[name]);
            const method = String(raw.method || "GET").toUpperCase();
            const hasBody = method !== "GET" && method !== "HEAD" && bytes !== null && bytes.length > 0;
            const request = new Request(raw.url, { method, headers, body: hasBody ? bytes : null });
            request.params = raw.params || {};
            return request;
          }
          // `env`: the app's env values by name (`fazt env set`, then fazt.json's "env"); read-only.
          const workersEnv = new Proxy(Object.create(null), {
            get(target, name) {
              if (typeof name !== "string") return undefined;
              const value = fazt.env.get(name);
              return value === null ? undefined : value;
            },
            has(target, name) { return typeof name === "string" && fazt.env.get(name) !== null; },
            set() { throw new TypeError("env is read-only: set values with `fazt env set APP NAME VALUE` or in fazt.json's \"env\""); },
          });
          // Promises handed to ctx.waitUntil by the running invocation.
          let waitUntilList = [];
          function workersContext() {
            return Object.freeze({
              waitUntil(promise) {
                waitUntilList.push(Promise.resolve(promise).then(undefined, (error) => console.error("ctx.waitUntil: the promise failed:", error)));
              },
              passThroughOnException() {},
              props: {},
            });
          }
          function callWorkers(entry, request) {
            return entry.fetch(request[WEB_REQUEST](), workersEnv, workersContext());
          }
          // Waits for every waitUntil promise, including those added meanwhile.
          async function settleWaitUntil() {
            while (waitUntilList.length > 0) await Promise.allSettled(waitUntilList.splice(0));
          }
          function isStreamedResponse(value) {
            return value instanceof Response && !value._bytes && value._body instanceof ReadableStream && value._body._fixed === undefined;
          }
          function headerLines(headers) {
            return headers.map(([k, v]) => String(k).replace(/[\r\n]/g, "") + "\n" + String(v).replace(/[\r\n]/g, " ")).join("\n");
          }
          // Sends a response whose body is a ReadableStream: the head now, then each chunk as it is
          // enqueued; the invocation ends after the stream (and any waitUntil work) does.
          function sendStreamed(response, file) {
            const headers = headerList(response.headers);
            const lines = headerLines(headers);
            host.streamStart(response.status, lines);
            const reader = response._body.getReader();
            const pump = async () => {
              for (;;) {
                const { done, value } = await reader.read();
                if (done) return;
                if (typeof value === "string") { if (value.length > 0) host.streamChunk(utf8Encode(value)); }
                else if (isBinary(value)) { if (value.byteLength > 0) host.streamChunk(bytesOf(value)); }
                else throw new TypeError("a ReadableStream response body must enqueue Uint8Array or string chunks");
              }
            };
            pump().then(
              () => { host.streamEnd(null); return settleWaitUntil().then(() => host.done(response.status, lines, "", false)); },
              (error) => {
                host.streamEnd(error instanceof Error ? error.message : show(error));
                return settleWaitUntil().then(() => failWith(error, file));
              },
            );
          }
          // Sends `response` (already normalized) now when waitUntil work is pending, and ends the
          // invocation once that work is done; else ends it at once.
          function sendResponse(response) {
            const lines = headerLines(response.headers);
            if (waitUntilList.length === 0) { host.done(response.status, lines, response.body, response.bytes); return; }
            host.respond(response.status, lines, response.body, response.bytes);
            settleWaitUntil().then(() => host.done(response.status, lines, "", false));
          }
          function failWith(error, file) {
            host.fail(error instanceof Error ? error.message : show(error), where(error, file),
              error && error.stack ? appStack(String(error.stack), file) : null, error && typeof error.code === "string" ? error.code : null);
          }

        """#
}
