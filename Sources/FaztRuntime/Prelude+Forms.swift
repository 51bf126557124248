/// The prelude's `Blob`, `File` and `FormData`, and the body helpers `Request` and `Response` share:
/// turning any body a web API accepts into bytes or text (with its content type), and reading a
/// form back (`formData()`: URL-encoded or multipart). Evaluated inside the prelude's function scope.
extension Prelude {
    static let forms = #"""
          // ---- Blob, File, FormData ----------------------------------------------------------
          function concatBytes(chunks) {
            let size = 0;
            for (const chunk of chunks) size += chunk.length;
            const out = new Uint8Array(size);
            let at = 0;
            for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
            return out;
          }
          class Blob {
            constructor(parts = [], options = {}) {
              if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
                throw new TypeError("Blob: the first argument must be an array of parts (strings, bytes or Blobs)");
              }
              const chunks = [];
              for (const part of parts) {
                if (part instanceof Blob) chunks.push(part._bytes);
                else if (isBinary(part)) chunks.push(bytesOf(part));
                else chunks.push(utf8Encode(String(part)));
              }
              this._bytes = concatBytes(chunks);
              this._type = options && options.type !== undefined ? String(options.type).toLowerCase() : "";
            }
            get size() { return this._bytes.length; }
            get type() { return this._type; }
            slice(start, end, type) {
              const blob = new Blob([], { type: type === undefined ? "" : type });
              blob._bytes = this._bytes.slice(start === undefined ? 0 : start, end === undefined ? this._bytes.length : end);
              return blob;
            }
            async text() { return utf8Decode(this._bytes); }
            async arrayBuffer() { return this._bytes.slice().buffer; }
            async bytes() { return this._bytes.slice(); }
            stream() {
              const bytes = this._bytes.slice();
              return new ReadableStream({ start(controller) { if (bytes.length > 0) controller.enqueue(bytes); controller.close(); } });
            }
            get [Symbol.toStringTag]() { return "Blob"; }
          }
          class File extends Blob {
            constructor(parts, name, options = {}) {
              if (name === undefined) throw new TypeError("File: a file needs a name: new File(parts, name, {type})");
              super(parts, options);
              this._name = String(name);
              this._lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
            }
            get name() { return this._name; }
            get lastModified() { return this._lastModified; }
            get [Symbol.toStringTag]() { return "File"; }
          }
          class FormData {
            constructor(form) {
              if (form !== undefined) throw new TypeError("FormData: there is no HTML form here: use new FormData() and append()");
              this._list = [];
            }
            _entry(name, value, filename) {
              if (value instanceof Blob) {
                const named = filename !== undefined ? String(filename) : value instanceof File ? value.name : "blob";
                if (!(value instanceof File) || filename !== undefined) {
                  value = new File([value], named, { type: value.type, lastModified: value.lastModified });
                }
                return [String(name), value];
              }
              return [String(name), String(value)];
            }
            append(name, value, filename) { this._list.push(this._entry(name, value, filename)); }
            set(name, value, filename) {
              const entry = this._entry(name, value, filename);
              const i = this._list.findIndex(([k]) => k === entry[0]);
              if (i < 0) this._list.push(entry);
              else { this._list[i] = entry; this._list = this._list.filter(([k], j) => k !== entry[0] || j === i); }
            }
            get(name) { const hit = this._list.find(([k]) => k === String(name)); return hit ? hit[1] : null; }
            getAll(name) { return this._list.filter(([k]) => k === String(name)).map(([, v]) => v); }
            has(name) { return this._list.some(([k]) => k === String(name)); }
            delete(name) { this._list = this._list.filter(([k]) => k !== String(name)); }
            forEach(callback, thisArg) { for (const [k, v] of this._list) callback.call(thisArg, v, k, this); }
            entries() { return this._list.map(([k, v]) => [k, v])[Symbol.iterator](); }
            keys() { return this._list.map(([k]) => k)[Symbol.iterator](); }
            values() { return this._list.map(([, v]) => v)[Symbol.iterator](); }
            [Symbol.iterator]() { return this.entries(); }
            get [Symbol.toStringTag]() { return "FormData"; }
          }

          // ---- bodies ------------------------------------------------------------------------
          const quoteFormName = (text) => String(text).replace(/\r\n|\r|\n/g, "\r\n").replace(/"/g, "%22").replace(/\r\n/g, "%0D%0A");
          function encodeMultipart(form) {
            const boundary = "----faztFormBoundary" + Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
            const chunks = [];
            for (const [name, value] of form._list) {
              let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoteFormName(name)}"`;
              if (value instanceof File) {
                head += `; filename="${quoteFormName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}`;
                chunks.push(utf8Encode(head + "\r\n\r\n"), value._bytes, utf8Encode("\r\n"));
              } else {
                chunks.push(utf8Encode(head + "\r\n\r\n" + value.replace(/\r\n|\r|\n/g, "\r\n") + "\r\n"));
              }
            }
            chunks.push(utf8Encode(`--${boundary}--\r\n`));
            return { bytes: concatBytes(chunks), type: `multipart/form-data; boundary=${boundary}` };
          }
          // Any body a web API accepts → { body: string | Uint8Array | ReadableStream | null, type }.
          // `type` is the content type the body implies (null when it implies none).
          function extractBody(body) {
            if (body === undefined || body === null) return { body: null, type: null };
            if (typeof body === "string") return { body, type: "text/plain;charset=UTF-8" };
            if (isBinary(body)) return { body: bytesOf(body).slice(), type: null };
            if (body instanceof URLSearchParams) return { body: body.toString(), type: "application/x-www-form-urlencoded;charset=UTF-8" };
            if (body instanceof Blob) return { body: body._bytes, type: body.type || null };
            if (body instanceof FormData) { const encoded = encodeMultipart(body); return { body: encoded.bytes, type: encoded.type }; }
            if (body instanceof ReadableStream) return { body, type: null };
            return { body: String(body), type: "text/plain;charset=UTF-8" };
          }
          // All of a body's bytes (a stream is read to its end).
          async function bodyBytes(body) {
            if (body === null || body === undefined) return new Uint8Array(0);
            if (body instanceof ReadableStream) {
              const chunks = [];
              const reader = body.getReader();
              for (;;) {
                const { done, value } = await reader.read();
                if (done) break;
                chunks.push(typeof value === "string" ? utf8Encode(value) : bytesOf(value));
              }
              return concatBytes(chunks);
            }
            if (typeof body === "string") return utf8Encode(body);
            if (isBinary(body)) return bytesOf(body);
            return utf8Encode(show(body));
          }
          // The entries of a multipart/form-data body, in order: { name, filename, type, bytes }.
          function multipartEntries(bytes, contentType) {
            const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
            const entries = [];
            if (!match) return null;
            const delimiter = utf8Encode("--" + (match[1] || match[2]).trim());
            const crlf2 = utf8Encode("\r\n\r\n");
            let at = indexOf(bytes, delimiter, 0);
            if (at < 0) return null;
            while (at >= 0) {
              let start = at + delimiter.length;
              if (bytes[start] === 45 && bytes[start + 1] === 45) return entries; // "--": the end
              start += 2; // CRLF after the delimiter
              const headerEnd = indexOf(bytes, crlf2, start);
              if (headerEnd < 0) return null;
              const next = indexOf(bytes, delimiter, headerEnd + 4);
              if (next < 0) return null;
              const head = utf8Decode(bytes.subarray(start, headerEnd));
              const disposition = /content-disposition:([^\r\n]*)/i.exec(head);
              const name = disposition && /\bname="([^"]*)"/i.exec(disposition[1]);
              const filename = disposition && /\bfilename="([^"]*)"/i.exec(disposition[1]);
              const type = /content-type:\s*([^\r\n]*)/i.exec(head);
              if (name) {
                entries.push({ name: name[1], filename: filename ? filename[1] : null,
                  type: type ? type[1].trim() : "application/octet-stream", bytes: bytes.slice(headerEnd + 4, next - 2) });
              }
              at = next;
            }
            return entries;
          }
          // `formData()` of a Request or Response: URL-encoded or multipart, else a TypeError that says why.
          function parseFormData(bytes, contentType) {
            const type = String(contentType || "").split(";")[0].trim().toLowerCase();
            const form = new FormData();
            if (type === "application/x-www-form-urlencoded") {
              for (const [k, v] of new URLSearchParams(utf8Decode(bytes))) form.append(k, v);
              return form;
            }
            if (type === "multipart/form-data") {
              const entries = multipartEntries(bytes, contentType);
              if (entries === null) throw new TypeError("formData: the body is not valid multipart/form-data (check the boundary in Content-Type)");
              for (const entry of entries) {
                if (entry.filename === null) form.append(entry.name, utf8Decode(entry.bytes));
                else form.append(entry.name, new File([entry.bytes], entry.filename, { type: entry.type }));
              }
              return form;
            }
            throw new TypeError(`formData: the body is ${type || "of no declared type"}; send it as application/x-www-form-urlencoded or multipart/form-data`);
          }

        """#
}
