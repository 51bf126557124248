/// The JavaScript half of the runtime, evaluated first in every app context.
///
/// It receives the native host functions, hides them, and defines `require` (CommonJS), `console`,
/// timers, `Headers`/`Response`, request shaping and response normalization. The native side calls
/// `__fazt_invoke(file, requestJSON)` and `__fazt_fireTimer(id)`; results come back through
/// `host.done(json)` / `host.fail(message, where, stack)`.
enum Prelude {
    /// The whole prelude: the runtime core around the web APIs, in one function scope.
    static let source =
        core + storage + scheduler + events + notify + secrets + realtime + ai + crypto + files + webAPIs + forms
        + streams
        + urlPattern + workers + invocation

    private static let core = #"""
        (function (host) {
          "use strict";
          const modules = new Map();
          // Counts invocations: a module still awaiting at top level from an earlier invocation
          // (whose timers and fetches ended with it) is evaluated again, not awaited forever.
          let invocationNumber = 0;
          const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
          const METHOD_NOT_ALLOWED_KEY = Symbol("methodNotAllowed");

          // ---- paths and modules -------------------------------------------------------------
          function dirname(path) { const i = path.lastIndexOf("/"); return i < 0 ? "" : path.slice(0, i); }
          function join(base, request) {
            const parts = request.startsWith("/") ? [] : base.split("/").filter(Boolean);
            for (const segment of request.split("/")) {
              if (segment === "" || segment === ".") continue;
              if (segment === "..") { if (parts.length === 0) return null; parts.pop(); } else parts.push(segment);
            }
            return parts.join("/");
          }
          function resolve(from, request) {
            if (!(request.startsWith("./") || request.startsWith("../") || request.startsWith("/"))) {
              if (host.hasBundled(request)) return "bundled:" + request;
              throw notFound(`Cannot find module '${request}' from ${from}`);
            }
            const target = join(dirname(from), request);
            if (target === null) throw notFound(`Cannot find module '${request}' from ${from} (modules cannot leave the app)`);
            for (const candidate of [target, target + ".js", target + ".ts", target + ".mjs", target + ".mts", target + ".json",
              target + "/index.js", target + "/index.ts"]) {
              if (candidate !== "" && host.exists(candidate)) return candidate;
            }
            // TypeScript's convention: `import "./x.js"` names the output of `x.ts`.
            const typed = target.endsWith(".js") ? target.slice(0, -3) + ".ts" : target.endsWith(".mjs") ? target.slice(0, -4) + ".mts" : null;
            if (typed !== null && host.exists(typed)) return typed;
            throw notFound(`Cannot find module '${request}' from ${from}`);
          }
          // Node's code for a module that is not there (libraries test it for optional modules).
          function notFound(message) { const error = new Error(message); error.code = "MODULE_NOT_FOUND"; return error; }
          function makeRequire(from) {
            const require = (request) => load(resolve(from, String(request)));
            require.resolve = (request) => resolve(from, String(request));
            require.cache = modules;
            return require;
          }
          function compile(path, isHandler) {
            const source = host.source(path);
            if (source === null) throw notFound(`Cannot read module ${path}`);
            try {
              return host.compile(path, source, isHandler);
            } catch (error) {
              // Code that does not compile fails the same way every time.
              if (error && typeof error === "object" && error.code === undefined) error.code = "BAD_HANDLER";
              throw error;
            }
          }
          function run(path, module, request, respond) {
            const body = compile(path, request !== undefined);
            return body.call(module.exports, module.exports, makeRequire(path), module, path, dirname(path), request, respond);
          }
          // `imported`: loaded for an ES module's import (`prepare`), which may wait for a module
          // that awaits at top level; require() of such a module fails as in Node.
          function load(path, imported) {
            let cached = modules.get(path);
            if (cached && cached.pending && cached.invocation !== invocationNumber) {
              modules.delete(path);
              cached = undefined;
            }
            if (cached) {
              if (cached.pending && !imported) throw requireAsync(path);
              return cached.exports;
            }
            const module = { id: path, filename: path, exports: {}, loaded: false, form: "module" };
            modules.set(path, module);
            try {
              if (path.startsWith("bundled:")) module.exports = host.loadBundled(path.slice(8), module);
              else if (path.endsWith(".json")) module.exports = JSON.parse(host.source(path));
              else {
                const evaluated = run(path, module, undefined, undefined);
                if (evaluated instanceof Promise) {
                  module.invocation = invocationNumber;
                  module.pending = evaluated.then(
                    () => { module.pending = null; module.loaded = true; },
                    (error) => { modules.delete(path); throw error; },
                  );
                  // Not kept: its timers end with this invocation; a later import runs it afresh.
                  if (!imported) { modules.delete(path); throw requireAsync(path); }
                  return module.exports;
                }
              }
            } catch (error) {
              if (!module.pending || !imported) modules.delete(path);
              throw error;
            }
            module.loaded = true;
            return module.exports;
          }
          function requireAsync(path) {
            const error = new Error(`require() cannot load ${path}: it uses top-level await; import it from an ES module instead`);
            error.code = "ERR_REQUIRE_ASYNC_MODULE";
            return error;
          }
          // An ES module's static imports that are ES modules themselves run before its body, in
          // order (as in Node), and one that awaits at top level finishes first: the body's
          // require() then finds it evaluated. CommonJS imports load when the body requires them.
          async function prepare(from, seen) {
            seen = seen || new Set();
            if (seen.has(from)) return;
            seen.add(from);
            const json = host.moduleImports(from);
            if (json === null) return;
            for (const request of JSON.parse(json)) {
              let path;
              try { path = resolve(from, request); } catch { continue; }
              if (path.startsWith("bundled:") || path.endsWith(".json")) continue;
              const cached = modules.get(path);
              if (!cached || (cached.pending && cached.invocation !== invocationNumber)) {
                if (host.moduleImports(path) === null) continue;
                await prepare(path, seen);
                load(path, true);
              }
              const module = modules.get(path);
              if (module && module.pending) await module.pending;
            }
          }
          // An ES module's exports stand for its default export when they hold no named handler:
          // `export default { GET }` works like module.exports = { GET }.
          function entryOf(exports, names) {
            if (exports !== null && typeof exports === "object" && exports.__esModule && exports.default != null
              && !names.some((name) => typeof exports[name] === "function")) return exports.default;
            return exports;
          }
          // Loads a kernel entry (a job, event, MCP tool or socket file) with its imports.
          async function loadEntry(file, names) {
            await prepare(file);
            const exports = load(file, true);
            const module = modules.get(file);
            if (module && module.pending) await module.pending;
            return entryOf(module ? module.exports : exports, names);
          }

          // ---- console and timers -----------------------------------------------------------
          function show(value) {
            if (typeof value === "string") return value;
            if (value instanceof Error) return value.stack ? `${value}\n${value.stack}` : String(value);
            try { const json = JSON.stringify(value); return json === undefined ? String(value) : json; } catch { return String(value); }
          }
          const console = {};
          for (const [name, level] of [["log", "info"], ["info", "info"], ["debug", "debug"], ["warn", "warn"], ["error", "error"]]) {
            console[name] = (...args) => host.log(level, args.map(show).join(" "));
          }
          const timers = new Map();
          let nextTimer = 1;
          function setTimeout(callback, delay, ...args) {
            if (typeof callback !== "function") throw new TypeError("setTimeout needs a function");
            const id = nextTimer++;
            timers.set(id, () => callback(...args));
            host.setTimer(id, Math.max(0, Number(delay) || 0));
            return id;
          }
          function clearTimeout(id) { if (timers.delete(id)) host.clearTimer(id); }
          function queueMicrotask(callback) { Promise.resolve().then(callback); }

          // ---- requests ---------------------------------------------------------------------
          function parseCookies(header) {
            const cookies = {};
            if (!header) return cookies;
            for (const part of header.split(";")) {
              const i = part.indexOf("=");
              if (i < 0) continue;
              const name = part.slice(0, i).trim();
              let value = part.slice(i + 1).trim();
              try { value = decodeURIComponent(value); } catch {}
              if (name && !(name in cookies)) cookies[name] = value;
            }
            return cookies;
          }
          function parseForm(text) {
            const out = {};
            for (const pair of text.split("&")) {
              if (!pair) continue;
              const i = pair.indexOf("=");
              const decode = (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; } };
              const key = decode(i < 0 ? pair : pair.slice(0, i));
              const value = decode(i < 0 ? "" : pair.slice(i + 1));
              if (key in out) out[key] = Array.isArray(out[key]) ? [...out[key], value] : [out[key], value];
              else out[key] = value;
            }
            return out;
          }
          function indexOf(bytes, pattern, from) {
            outer: for (let i = from; i <= bytes.length - pattern.length; i++) {
              for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
              return i;
            }
            return -1;
          }
          // multipart/form-data → { fields, files: [{ name, filename, type, size, data: ArrayBuffer }] }
          function parseMultipart(bytes, contentType) {
            const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
            const fields = {};
            const files = [];
            if (!match) return { fields, files };
            const delimiter = utf8Encode("--" + (match[1] || match[2]).trim());
            const crlf2 = utf8Encode("\r\n\r\n");
            let at = indexOf(bytes, delimiter, 0);
            while (at >= 0) {
              let start = at + delimiter.length;
              if (bytes[start] === 45 && bytes[start + 1] === 45) break; // "--": the end
              start += 2; // CRLF after the delimiter
              const headerEnd = indexOf(bytes, crlf2, start);
              if (headerEnd < 0) break;
              const next = indexOf(bytes, delimiter, headerEnd + 4);
              if (next < 0) break;
              const head = utf8Decode(bytes.subarray(start, headerEnd));
              const content = bytes.slice(headerEnd + 4, next - 2); // drop the CRLF before the delimiter
              const disposition = /content-disposition:([^\r\n]*)/i.exec(head);
              const name = disposition && /\bname="([^"]*)"/i.exec(disposition[1]);
              const filename = disposition && /\bfilename="([^"]*)"/i.exec(disposition[1]);
              const type = /content-type:\s*([^\r\n]*)/i.exec(head);
              if (name) {
                if (filename) {
                  files.push({ name: name[1], filename: filename[1], type: type ? type[1].trim() : "application/octet-stream",
                    size: content.length, data: content.buffer });
                } else {
                  const value = utf8Decode(content);
                  if (name[1] in fields) fields[name[1]] = Array.isArray(fields[name[1]]) ? [...fields[name[1]], value] : [fields[name[1]], value];
                  else fields[name[1]] = value;
                }
              }
              at = next;
            }
            return { fields, files };
          }
          // Bodies of these types are text; any other declared type (octet-stream, images, archives,
          // …), or bytes that are not UTF-8 without a type, arrive as a Uint8Array.
          function isBinaryType(type, notUTF8) {
            if (type === "") return notUTF8;
            if (type.startsWith("text/") || type.endsWith("+json") || type.endsWith("+xml")) return false;
            return !["application/json", "application/xml", "application/javascript", "application/x-ndjson",
              "application/graphql", "application/x-www-form-urlencoded", "multipart/form-data"].includes(type);
          }
          function makeRequest(raw, rawBytes) {
            let bytes = null;
            let text = raw.body || "";
            if (rawBytes) { bytes = new Uint8Array(rawBytes); text = utf8Decode(bytes); }
            const getBytes = () => (bytes === null ? (bytes = utf8Encode(text)) : bytes);
            const contentType = raw.headers["content-type"] || "";
            const type = contentType.split(";")[0].trim().toLowerCase();
            let body = text;
            let files = [];
            if (type === "application/json" || type.endsWith("+json")) { try { body = JSON.parse(text); } catch { body = text; } }
            else if (type === "application/x-www-form-urlencoded") body = parseForm(text);
            else if (type === "multipart/form-data") { const parts = parseMultipart(getBytes(), contentType); body = parts.fields; files = parts.files; }
            else if (text === "" && bytes === null) body = undefined;
            else if (isBinaryType(type, bytes !== null)) body = getBytes();
            const request = {
              method: raw.method, path: raw.path, url: raw.url, query: raw.query, headers: raw.headers,
              cookies: parseCookies(raw.headers.cookie), ip: raw.ip, params: raw.params || {}, body, files,
              text: async () => text,
              json: async () => JSON.parse(text),
              arrayBuffer: async () => { const b = getBytes(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); },
            };
            // The web Request a Workers-style handler gets (built only for those).
            Object.defineProperty(request, WEB_REQUEST, { value: () => webRequest(raw, text === "" && bytes === null ? null : getBytes()) });
            return request;
          }

          // ---- responses --------------------------------------------------------------------
          const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
          function base64(bytes) {
            let out = "";
            for (let i = 0; i < bytes.length; i += 3) {
              const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
              out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63] +
                (i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : "=") + (i + 2 < bytes.length ? BASE64[n & 63] : "=");
            }
            return out;
          }
          function isBinary(value) { return value instanceof ArrayBuffer || ArrayBuffer.isView(value); }
          function bytesOf(value) {
            return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
          }
          function headerList(init) {
            const headers = init instanceof Headers ? init : new Headers(init);
            return Array.from(headers.entries());
          }
          function finish(status, headers, body) {
            const has = (name) => headers.some(([k]) => k === name);
            if (body === undefined || body === null) return { status, headers, body: "", bytes: false };
            if (typeof body === "string") {
              if (!has("content-type")) headers.push(["content-type", "text/plain; charset=utf-8"]);
              return { status, headers, body, bytes: false };
            }
            if (isBinary(body)) {
              if (!has("content-type")) headers.push(["content-type", "application/octet-stream"]);
              return { status, headers, body: bytesOf(body), bytes: true };
            }
            if (!has("content-type")) headers.push(["content-type", "application/json"]);
            return { status, headers, body: JSON.stringify(body), bytes: false };
          }
          // {status, headers, body} is a response only when it has nothing but those keys; any other
          // object is JSON data (so { body: …, method: … } is sent as JSON, not unwrapped).
          const RESPONSE_KEYS = new Set(["status", "statusText", "headers", "body"]);
          function isResponseShape(value) {
            if (value === null || typeof value !== "object" || Array.isArray(value) || isBinary(value)) return false;
            const keys = Object.keys(value);
            return keys.length > 0 && keys.every((k) => RESPONSE_KEYS.has(k)) &&
              ("body" in value || "status" in value) && (value.status === undefined || typeof value.status === "number");
          }
          function toResponse(value) {
            if (value instanceof Response) {
              const body = value._bytes ? value._bytes : value._body instanceof ReadableStream ? (value._body._fixed === undefined ? null : value._body._fixed) : value._body;
              return finish(value.status, headerList(value.headers), body);
            }
            if (value === undefined) return { status: 204, headers: [], body: "", bytes: false };
            if (typeof value === "string" || isBinary(value)) return finish(200, [], value);
            if (isResponseShape(value)) {
              const status = value.status === undefined ? 200 : value.status;
              return finish(status, headerList(value.headers), value.body === undefined ? null : value.body);
            }
            // Any other value is JSON; `null` (and values JSON cannot express) are sent as `null`.
            const json = JSON.stringify(value);
            return finish(200, [["content-type", "application/json"]], json === undefined ? "null" : json);
          }
          function respondArgs(a, b, c) {
            return typeof a === "number" ? { status: a, body: b, headers: c } : { status: 200, body: a, headers: b };
          }

        """#

    private static let invocation = #"""
          // ---- invocation -------------------------------------------------------------------
          function handlerOf(exports, method) {
            exports = entryOf(exports, METHODS);
            if (typeof exports === "function") return exports;
            const workers = workersEntry(exports);
            if (workers !== null) return { [WORKERS_KEY]: workers };
            if (exports && typeof exports === "object") {
              if (typeof exports[method] === "function") return exports[method];
              if (method === "HEAD" && typeof exports.GET === "function") return exports.GET;
              if (typeof exports.default === "function") return exports.default;
              const allowed = METHODS.filter((m) => typeof exports[m] === "function" || (m === "HEAD" && typeof exports.GET === "function"));
              if (allowed.length > 0) return { [METHOD_NOT_ALLOWED_KEY]: allowed };
            }
            return null;
          }
          function notHandler(file, exports) {
            exports = entryOf(exports, METHODS);
            const lower = exports && METHODS.find((m) => typeof exports[m.toLowerCase()] === "function");
            const error = new Error(lower
              ? `${file}: did you mean exports.${lower}? (method handlers are upper-case)`
              : `${file}: module.exports has no handler: export a function, or GET/POST/… functions`);
            error.code = "BAD_HANDLER";
            return error;
          }
          function call(handler, request) {
            if (handler !== null && typeof handler === "object" && handler[WORKERS_KEY]) return callWorkers(handler[WORKERS_KEY], request);
            if (handler !== null && typeof handler === "object" && handler[METHOD_NOT_ALLOWED_KEY]) {
              const allowed = handler[METHOD_NOT_ALLOWED_KEY].join(", ");
              return { status: 405, headers: { allow: allowed }, body: { error: `${request.method} is not allowed here (allowed: ${allowed})` } };
            }
            return handler(request);
          }
          async function invoke(file, request) {
            const cached = modules.get(file);
            if (cached && cached.form === "handler") return call(handlerOf(cached.exports, request.method), request);
            let responded;
            const respond = (a, b, c) => (responded = respondArgs(a, b, c));
            const module = { id: file, filename: file, exports: {}, loaded: false, form: "script" };
            modules.set(file, module);
            const initial = module.exports;
            let completion;
            try {
              await prepare(file);
              completion = run(file, module, request, respond);
              // A script with top-level await runs as an async function: wait for it to finish.
              if (completion instanceof Promise) completion = await completion;
            } catch (error) {
              modules.delete(file);
              throw error;
            }
            module.loaded = true;
            const handler = handlerOf(module.exports, request.method);
            if (responded === undefined && handler !== null) {
              module.form = "handler";
              return call(handler, request);
            }
            // Exports that hold no handler are a mistake, not a script-form file: say so rather
            // than answer their completion value (`{}` or `null`) with a 200.
            if (responded === undefined && (module.exports !== initial || Object.keys(initial).length > 0)) {
              modules.delete(file);
              throw notHandler(file, module.exports);
            }
            // Script form: the body runs again for every request.
            modules.delete(file);
            return responded !== undefined ? responded : completion;
          }
          // Errors from handler code carry no sourceURL (it runs through eval to get its completion
          // value); only one handler file runs per invocation, so it is that file.
          // An error made by the runtime (a storage call's FaztError) points at the app's line
          // that called it: the first frame of the stack outside the runtime.
          function where(error, file) {
            if (!error || typeof error !== "object" || !error.line) return null;
            if (!error.sourceURL) return `${file}:${error.line}`;
            const url = String(error.sourceURL);
            if (!url.startsWith("fazt:")) return `${url}:${host.sourceLine(url, error.line)}`;
            for (const line of String(error.stack || "").split("\n")) {
              const frame = /@(.+):(\d+):\d+$/.exec(line);
              if (frame && !frame[1].startsWith("fazt:")) return `${frame[1]}:${host.sourceLine(frame[1], Number(frame[2]))}`;
            }
            return file;
          }

          // The app's frames only: the runtime's own (fazt:*) and native frames say nothing to its
          // author. Handler code runs through eval, so its frames carry no file: name it.
          function appStack(stack, file) {
            const lines = stack.split("\n").filter((line) => line && !line.includes("@fazt:") && !line.includes("[native code]"));
            // ES modules and TypeScript run as transformed: name the author's line.
            const named = lines.map((line) => (line.endsWith("@") ? line + file
              : line.replace(/@(.+):(\d+):(\d+)$/, (_, url, row, column) => `@${url}:${host.sourceLine(url, Number(row))}:${column}`)));
            return named.length > 0 ? named.join("\n") : null;
          }

          Object.defineProperty(globalThis, "__fazt_invoke", {
            value: function (file, json, rawBytes) {
              let request;
              let kernel = null;
              currentFile = file;
              waitUntilList = [];
              invocationNumber += 1;
              try {
                const parsed = JSON.parse(json);
                if (parsed && typeof parsed.__fazt === "string") kernel = parsed;
                else request = makeRequest(parsed, rawBytes);
              } catch (error) { host.fail(String(error), null, null); return; }
              const run = () => (kernel === null ? invoke(file, request)
                : kernel.__fazt === "socket" ? invokeSocket(file, kernel, rawBytes) : invokeKernel(file, kernel.__fazt, kernel));
              Promise.resolve().then(run).then(
                (value) => {
                  if (isStreamedResponse(value)) { sendStreamed(value, file); return; }
                  let response;
                  try { response = toResponse(value); } catch (error) { host.fail(`cannot send the response: ${error}`, null, null); return; }
                  sendResponse(response);
                },
                (error) => failWith(error, file),
              );
            },
          });
          Object.defineProperty(globalThis, "__fazt_fireTimer", {
            value: function (id) { const callback = timers.get(id); if (callback) { timers.delete(id); callback(); } },
          });
          Object.defineProperty(globalThis, "__fazt_clearTimers", { value: function () { timers.clear(); fetches.clear(); } });

          Object.assign(globalThis, {
            console, setTimeout, clearTimeout, queueMicrotask, Headers, Response, TextEncoder, TextDecoder,
            atob, btoa, URL, URLSearchParams, crypto, fazt, fetch, Request, FaztError,
            CryptoKey, DOMException, Blob, File, FormData, ReadableStream, ReadableStreamDefaultReader, URLPattern,
          });
          if (typeof globalThis.structuredClone !== "function") {
            globalThis.structuredClone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
          }
          globalThis.require = makeRequire("");
        })(__host);
        delete globalThis.__host;
        """#
}
