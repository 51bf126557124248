/// The prelude's web APIs: `Headers`, `Response`, `Request`, encodings, `URL`, `fetch`, and the
/// `fazt` object. Evaluated inside the prelude's function scope (see `Prelude.source`).
extension Prelude {
    static let webAPIs = #"""
          // ---- Headers and Response ---------------------------------------------------------
          class Headers {
            constructor(init) {
              this._map = new Map();
              if (init instanceof Headers) init.forEach((v, k) => this.append(k, v));
              else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
              else if (init && typeof init === "object") for (const k of Object.keys(init)) this.append(k, init[k]);
            }
            append(name, value) {
              const key = String(name).toLowerCase();
              const old = this._map.get(key);
              this._map.set(key, old === undefined ? String(value) : `${old}, ${value}`);
            }
            set(name, value) { this._map.set(String(name).toLowerCase(), String(value)); }
            get(name) { const v = this._map.get(String(name).toLowerCase()); return v === undefined ? null : v; }
            has(name) { return this._map.has(String(name).toLowerCase()); }
            delete(name) { this._map.delete(String(name).toLowerCase()); }
            // Iteration is sorted by name, as the web API's is.
            _sorted() { return Array.from(this._map.entries()).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); }
            forEach(callback, thisArg) { for (const [k, v] of this._sorted()) callback.call(thisArg, v, k, this); }
            entries() { return this._sorted()[Symbol.iterator](); }
            keys() { return this._sorted().map(([k]) => k)[Symbol.iterator](); }
            values() { return this._sorted().map(([, v]) => v)[Symbol.iterator](); }
            [Symbol.iterator]() { return this.entries(); }
          }
          // A body as a stream, remembering its bytes while nobody reads it (so a Response whose
          // body was only looked at is still sent whole, not streamed).
          function streamOf(bytes) {
            const stream = new ReadableStream({ start(c) { if (bytes.length > 0) c.enqueue(bytes); c.close(); } });
            stream._fixed = bytes;
            return stream;
          }
          // The shared body methods of Request and Response (`_body`: null, a string, bytes, a
          // ReadableStream or, for Response, any value sent as JSON).
          class Body {
            get bodyUsed() { return this._used === true; }
            get body() {
              if (this._body === null || this._body === undefined) return null;
              if (!(this._body instanceof ReadableStream)) this._body = streamOf(this._bytes || bytesNow(this._body));
              return this._body;
            }
            async _consume() {
              this._used = true;
              if (this._bytes) return this._bytes;
              const b = this._body;
              if (b instanceof ReadableStream) return b._fixed !== undefined && !b._locked ? b._fixed : bodyBytes(b);
              return bytesNow(b);
            }
            async text() {
              if (!this._used && !this._bytes && typeof this._body === "string") { this._used = true; return this._body; }
              return utf8Decode(await this._consume());
            }
            async json() { return JSON.parse(await this.text()); }
            async arrayBuffer() { const b = await this._consume(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); }
            async bytes() { return (await this._consume()).slice(); }
            async blob() { return new Blob([await this._consume()], { type: this.headers.get("content-type") || "" }); }
            async formData() { return parseFormData(await this._consume(), this.headers.get("content-type")); }
            _cloneBody() {
              if (this._used) throw new TypeError("clone: the body was already read");
              if (!(this._body instanceof ReadableStream)) return this._bytes || this._body;
              const [a, b] = this._body.tee();
              this._body = a;
              return b;
            }
          }
          function bytesNow(b) {
            if (b === null || b === undefined) return new Uint8Array(0);
            if (typeof b === "string") return utf8Encode(b);
            if (isBinary(b)) return bytesOf(b);
            return utf8Encode(show(b));
          }
          // Blob, FormData and URLSearchParams bodies become bytes or text, with their content type.
          function adoptBody(target, body) {
            if (body instanceof Blob || body instanceof FormData || body instanceof URLSearchParams) {
              const extracted = extractBody(body);
              if (extracted.type && !target.headers.has("content-type")) target.headers.set("content-type", extracted.type);
              return extracted.body;
            }
            return body === undefined ? null : body;
          }
          const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
          class Response extends Body {
            constructor(body, init) {
              super();
              init = init || {};
              this.status = init.status === undefined ? 200 : Number(init.status);
              this.statusText = init.statusText || "";
              this.headers = new Headers(init.headers);
              this._body = adoptBody(this, body);
            }
            get ok() { return this.status >= 200 && this.status < 300; }
            get redirected() { return false; }
            get type() { return "default"; }
            static json(data, init) {
              const response = new Response(JSON.stringify(data), init);
              if (!response.headers.has("content-type")) response.headers.set("content-type", "application/json");
              return response;
            }
            static redirect(url, status = 302) {
              status = Number(status);
              if (!REDIRECT_STATUSES.includes(status)) throw new RangeError(`Response.redirect: status must be 301, 302, 303, 307 or 308, not ${status}`);
              let location;
              try { location = new URL(String(url)).href; } catch { location = String(url); }
              return new Response(null, { status, headers: { location } });
            }
            clone() {
              const copy = new Response(this._cloneBody(), { status: this.status, statusText: this.statusText, headers: this.headers });
              if (this.url !== undefined) copy.url = this.url;
              return copy;
            }
          }
          class Request extends Body {
            constructor(input, init) {
              super();
              init = init || {};
              const base = input instanceof Request ? input : null;
              this.url = base ? base.url : String(input instanceof URL ? input.href : input);
              this.method = String(init.method || (base && base.method) || "GET").toUpperCase();
              this.headers = new Headers(init.headers || (base && base.headers) || {});
              this._body = adoptBody(this, init.body !== undefined ? init.body : base ? base._body : null);
              this.signal = init.signal || (base && base.signal) || new AbortSignal();
              this.redirect = init.redirect || (base && base.redirect) || "follow";
              if (base && base.params) this.params = base.params;
            }
            clone() {
              const copy = new Request(this.url, { method: this.method, headers: this.headers, body: this._cloneBody(), signal: this.signal, redirect: this.redirect });
              if (this.params) copy.params = this.params;
              return copy;
            }
          }
          // Headers: set-cookie lines one by one (append joins them with ", ").
          Headers.prototype.getSetCookie = function () { const v = this.get("set-cookie"); return v === null ? [] : v.split(/, (?=[^;=,\s]+=)/); };

          // ---- encodings ---------------------------------------------------------------------
          function utf8Encode(text) {
            const out = [];
            for (let i = 0; i < text.length; i++) {
              let c = text.charCodeAt(i);
              if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
                c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
              } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
              if (c < 0x80) out.push(c);
              else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
              else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
              else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
            }
            return new Uint8Array(out);
          }
          function utf8Decode(bytes) {
            let out = "";
            for (let i = 0; i < bytes.length;) {
              const b = bytes[i];
              let c, n;
              if (b < 0x80) { c = b; n = 1; } else if (b >= 0xc2 && b < 0xe0) { c = b & 31; n = 2; }
              else if (b >= 0xe0 && b < 0xf0) { c = b & 15; n = 3; } else if (b >= 0xf0 && b < 0xf5) { c = b & 7; n = 4; }
              else { out += "\ufffd"; i++; continue; }
              let ok = i + n <= bytes.length;
              for (let k = 1; ok && k < n; k++) { const x = bytes[i + k]; if ((x & 0xc0) !== 0x80) ok = false; else c = (c << 6) | (x & 63); }
              if (!ok || (n === 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) || (n === 4 && (c < 0x10000 || c > 0x10ffff))) {
                out += "\ufffd"; i++; continue;
              }
              out += String.fromCodePoint(c);
              i += n;
            }
            return out;
          }
          class TextEncoder {
            get encoding() { return "utf-8"; }
            encode(input = "") { return utf8Encode(String(input)); }
          }
          class TextDecoder {
            constructor(label = "utf-8") {
              if (!/^utf-?8$/i.test(String(label))) throw new RangeError(`TextDecoder: unsupported encoding ${label}`);
            }
            get encoding() { return "utf-8"; }
            decode(input) { return input === undefined ? "" : utf8Decode(bytesOf(input)); }
          }
          function btoa(input) {
            const text = String(input);
            const bytes = new Uint8Array(text.length);
            for (let i = 0; i < text.length; i++) {
              const c = text.charCodeAt(i);
              if (c > 0xff) throw new Error("btoa: the string contains characters outside of Latin1");
              bytes[i] = c;
            }
            return base64(bytes);
          }
          function atob(input) {
            const text = String(input).replace(/[\t\n\f\r ]+/g, "").replace(/=+$/, "");
            if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) throw new Error("atob: the string is not valid base64");
            let out = "";
            let bits = 0, value = 0;
            for (const ch of text) {
              value = (value << 6) | BASE64.indexOf(ch);
              bits += 6;
              if (bits >= 8) { bits -= 8; out += String.fromCharCode((value >> bits) & 0xff); }
            }
            return out;
          }

          // ---- URL and URLSearchParams --------------------------------------------------------
          const encodeQuery = (s) => encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
          const decodeQuery = (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; } };
          class URLSearchParams {
            constructor(init = "") {
              this._list = [];
              if (init instanceof URLSearchParams) this._list = init._list.map(([k, v]) => [k, v]);
              else if (typeof init === "string") this._parse(init);
              else if (init && typeof init[Symbol.iterator] === "function") for (const [k, v] of init) this.append(k, v);
              else if (init && typeof init === "object") for (const k of Object.keys(init)) this.append(k, init[k]);
            }
            _parse(text) {
              this._list = [];
              for (const pair of String(text).replace(/^\?/, "").split("&")) {
                if (!pair) continue;
                const i = pair.indexOf("=");
                this._list.push([decodeQuery(i < 0 ? pair : pair.slice(0, i)), decodeQuery(i < 0 ? "" : pair.slice(i + 1))]);
              }
            }
            get size() { return this._list.length; }
            append(name, value) { this._list.push([String(name), String(value)]); this._update(); }
            set(name, value) {
              name = String(name);
              const i = this._list.findIndex(([k]) => k === name);
              if (i < 0) this._list.push([name, String(value)]);
              else { this._list[i][1] = String(value); this._list = this._list.filter(([k], j) => k !== name || j === i); }
              this._update();
            }
            get(name) { const hit = this._list.find(([k]) => k === String(name)); return hit ? hit[1] : null; }
            getAll(name) { return this._list.filter(([k]) => k === String(name)).map(([, v]) => v); }
            has(name) { return this._list.some(([k]) => k === String(name)); }
            delete(name) { this._list = this._list.filter(([k]) => k !== String(name)); this._update(); }
            sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._update(); }
            forEach(callback) { for (const [k, v] of this._list) callback(v, k, this); }
            entries() { return this._list.map(([k, v]) => [k, v])[Symbol.iterator](); }
            keys() { return this._list.map(([k]) => k)[Symbol.iterator](); }
            values() { return this._list.map(([, v]) => v)[Symbol.iterator](); }
            [Symbol.iterator]() { return this.entries(); }
            toString() { return this._list.map(([k, v]) => encodeQuery(k) + "=" + encodeQuery(v)).join("&"); }
            _update() { if (this._url) this._url._search = this._list.length ? "?" + this.toString() : ""; }
          }
          const DEFAULT_PORTS = { "http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21" };
          const URL_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*:)\/\/(?:([^:@\/]*)(?::([^@\/]*))?@)?(\[[^\]]*\]|[^:\/?#]*)(?::(\d*))?([^?#]*)(\?[^#]*)?(#.*)?$/;
          function normalizePath(path) {
            const out = [];
            for (const segment of path.split("/").slice(1)) {
              if (segment === "..") out.pop(); else if (segment !== ".") out.push(segment);
            }
            const last = path.split("/").pop();
            return "/" + out.join("/") + (last === "." || last === ".." ? (out.length ? "/" : "") : "");
          }
          class URL {
            constructor(input, base) {
              let text = String(input).trim();
              if (base !== undefined && !URL_PATTERN.test(text)) {
                const b = base instanceof URL ? base : new URL(base);
                if (text.startsWith("//")) text = b.protocol + text;
                else if (text.startsWith("/")) text = b.origin + text;
                else if (text.startsWith("?")) text = b.origin + b.pathname + text;
                else if (text.startsWith("#")) text = b.origin + b.pathname + b.search + text;
                else text = b.origin + b.pathname.replace(/[^/]*$/, "") + text;
              }
              const m = URL_PATTERN.exec(text);
              if (!m) throw new TypeError(`Invalid URL: ${input}`);
              this._protocol = m[1].toLowerCase();
              this.username = m[2] || "";
              this.password = m[3] || "";
              this._hostname = (m[4] || "").toLowerCase();
              this._port = m[5] && m[5] !== DEFAULT_PORTS[this._protocol] ? m[5] : "";
              this._pathname = normalizePath(m[6] || "/") || "/";
              this._search = m[7] && m[7] !== "?" ? m[7] : "";
              this.hash = m[8] && m[8] !== "#" ? m[8] : "";
              if (!this._hostname && this._protocol !== "file:") throw new TypeError(`Invalid URL: ${input}`);
              this.searchParams = new URLSearchParams(this._search);
              this.searchParams._url = this;
            }
            get protocol() { return this._protocol; }
            get hostname() { return this._hostname; }
            get port() { return this._port; }
            get host() { return this._hostname + (this._port ? ":" + this._port : ""); }
            get origin() { return this._protocol + "//" + this.host; }
            get pathname() { return this._pathname; }
            set pathname(value) { this._pathname = normalizePath("/" + String(value).replace(/^\//, "")); }
            get search() { return this._search; }
            set search(value) { const v = String(value); this._search = v && v !== "?" ? (v.startsWith("?") ? v : "?" + v) : ""; this.searchParams._parse(this._search); }
            get href() {
              const auth = this.username ? this.username + (this.password ? ":" + this.password : "") + "@" : "";
              return this._protocol + "//" + auth + this.host + this._pathname + this._search + this.hash;
            }
            toString() { return this.href; }
            toJSON() { return this.href; }
          }

          // ---- fetch (performed by the daemon: egress policy, limits) ------------------------------
          const fetches = new Map();
          let nextFetch = 1;
          function fetch(input, init) {
            let request;
            try { request = new Request(input, init); } catch (error) { return Promise.reject(error); }
            const headers = Array.from(request.headers.entries());
            let body = null;
            const raw = request._body;
            const signal = request.signal;
            if (signal && signal.aborted) return Promise.reject(signal.reason);
            if (raw instanceof ReadableStream) {
              // A streamed request body is read whole first (the daemon sends bodies in one piece).
              return bodyBytes(raw).then((bytes) => fetch(request.url, Object.assign({}, init, { method: request.method, headers: request.headers, body: bytes, signal })));
            }
            if (raw !== undefined && raw !== null) {
              if (typeof raw === "string") body = raw;
              else if (isBinary(raw)) body = bytesOf(raw);
              else if (raw instanceof URLSearchParams) {
                body = raw.toString();
                if (!request.headers.has("content-type")) headers.push(["content-type", "application/x-www-form-urlencoded;charset=UTF-8"]);
              } else body = String(raw);
            }
            // Credentials the daemon adds after the request leaves this process: a secret
            // (auth: "NAME" or {secret, header, scheme}) or an OAuth connection (connection: "NAME").
            const auth = init && init.auth;
            const connection = init && init.connection;
            let secret = null, authHeader = null, scheme = null;
            if (typeof auth === "string") secret = auth;
            else if (auth && typeof auth === "object" && typeof auth.secret === "string") {
              secret = auth.secret;
              if (auth.header !== undefined) authHeader = String(auth.header);
              if (auth.scheme !== undefined) scheme = String(auth.scheme);
            } else if (auth !== undefined && auth !== null) {
              return Promise.reject(new TypeError('fetch: auth must be a secret name or {secret: "NAME", header, scheme}'));
            }
            if (connection !== undefined && connection !== null && typeof connection !== "string") {
              return Promise.reject(new TypeError('fetch: connection must be the name of a connection (fazt connect list)'));
            }
            if (secret !== null && connection) {
              return Promise.reject(new TypeError("fetch: give auth or connection, not both"));
            }
            const id = nextFetch++;
            return new Promise((resolve, reject) => {
              fetches.set(id, { resolve, reject });
              // Aborting rejects at once; the daemon's answer, when it comes, is dropped.
              if (signal) signal.addEventListener("abort", () => { if (fetches.delete(id)) reject(signal.reason); });
              const lines = headers.map(([k, v]) => String(k).replace(/[\r\n]/g, "") + "\n" + String(v).replace(/[\r\n]/g, " "));
              host.fetch(id, request.url, request.method, lines.join("\n"), body, secret, authHeader, scheme, connection || null);
            });
          }
          Object.defineProperty(globalThis, "__fazt_fetchDone", {
            value: function (id, status, headerLines, body, url, error) {
              const pending = fetches.get(id);
              if (!pending) return;
              fetches.delete(id);
              if (error) {
                const coded = /^(NET_[A-Z_]+): ([\s\S]*)$/.exec(error);
                const failure = new TypeError(coded ? coded[2] : error);
                if (coded) failure.code = coded[1];
                pending.reject(failure);
                return;
              }
              const lines = headerLines ? headerLines.split("\n") : [];
              const headers = new Headers();
              for (let i = 0; i + 1 < lines.length; i += 2) headers.append(lines[i], lines[i + 1]);
              const response = new Response(null, { status, headers });
              response._bytes = body ? new Uint8Array(body) : new Uint8Array(0);
              response.url = url;
              pending.resolve(response);
            },
          });

          // ---- fazt -------------------------------------------------------------------------------
          let manifestEnv;
          const fazt = Object.freeze({
            // The original Fazt's fazt.app.kv/ds/s3 stay reachable but out of JSON.stringify(fazt.app).
            app: Object.freeze(Object.defineProperties({ name: host.appName, version: host.appVersion }, {
              kv: { value: kv }, ds: { value: storage.ds }, s3: { value: s3 },
            })),
            storage,
            kv,
            docs,
            sql,
            blobs,
            schedule,
            events,
            notify,
            secrets,
            socket,
            realtime,
            ai,
            files,
            env: Object.freeze({
              get(name, fallback) {
                const owned = host.env(String(name));
                if (owned !== null) return owned;
                if (manifestEnv === undefined) {
                  try { const m = JSON.parse(host.source("fazt.json") || "{}"); manifestEnv = m && typeof m.env === "object" && m.env ? m.env : {}; }
                  catch { manifestEnv = {}; }
                }
                const value = manifestEnv[String(name)];
                return value === undefined || value === null ? (fallback === undefined ? null : fallback) : String(value);
              },
            }),
            log: Object.freeze({
              debug: (...args) => host.log("debug", args.map(show).join(" ")),
              info: (...args) => host.log("info", args.map(show).join(" ")),
              warn: (...args) => host.log("warn", args.map(show).join(" ")),
              error: (...args) => host.log("error", args.map(show).join(" ")),
            }),
          });

        """#
}
