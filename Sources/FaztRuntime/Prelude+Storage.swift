/// The prelude's storage API: `fazt.storage.{kv,docs,sql,blobs,transaction}`, their short aliases
/// and the original Fazt's `kv`/`ds`/`s3` names. Every call is synchronous (`host.store`); errors
/// are `FaztError`s with a `code`. Evaluated inside the prelude's function scope.
extension Prelude {
    static let storage = #"""
          // ---- storage --------------------------------------------------------------------------
          class FaztError extends Error {
            constructor(code, message) { super(message); this.name = "FaztError"; this.code = code; }
          }
          const storageCall = (op, ...args) => {
            const out = host.store(op, ...args);
            if (out.charCodeAt(0) === 1) {
              const split = out.indexOf("\u0001", 1);
              throw new FaztError(out.slice(1, split), out.slice(split + 1));
            }
            return out;
          };
          const jsonText = (value, what) => {
            let text;
            try { text = JSON.stringify(value === undefined ? null : value); } catch (error) { text = undefined; }
            if (text === undefined) throw new FaztError("INVALID_ARGUMENT", `${what} must be JSON-serializable`);
            return text;
          };
          const keyText = (key, what) => {
            if (typeof key !== "string" || key === "") throw new FaztError("INVALID_ARGUMENT", `${what || "key"} must be a non-empty string`);
            return key;
          };
          const optionalText = (value) => (value === undefined || value === null ? "" : String(value));
          const kv = Object.freeze({
            get(key) { return JSON.parse(storageCall("kv.get", keyText(key))); },
            has(key) { return storageCall("kv.has", keyText(key)) === "true"; },
            // ttl: ms or "10m", as {ttl} or (original Fazt) a plain third argument.
            set(key, value, options) {
              const ttl = options !== null && typeof options === "object" ? options.ttl : options;
              storageCall("kv.set", keyText(key), jsonText(value, "the value"), optionalText(ttl));
            },
            delete(key) { return storageCall("kv.delete", keyText(key)) === "true"; },
            incr(key, by) {
              const step = by === undefined ? 1 : Number(by);
              if (!Number.isFinite(step)) throw new FaztError("INVALID_ARGUMENT", "kv.incr: `by` must be a finite number");
              return Number(storageCall("kv.incr", keyText(key), String(step)));
            },
            list(options) {
              const o = options || {};
              return JSON.parse(storageCall("kv.list", optionalText(o.prefix), String(o.limit === undefined ? 100 : o.limit), optionalText(o.cursor)));
            },
          });
          const pickFields = (doc, fields) => {
            if (!doc || !Array.isArray(fields)) return doc;
            const out = { id: doc.id };
            for (const field of fields) {
              let value = doc;
              for (const part of String(field).split(".")) value = value === undefined || value === null ? undefined : value[part];
              if (value === undefined) continue;
              let target = out;
              const parts = String(field).split(".");
              parts.slice(0, -1).forEach((part) => { target = target[part] = target[part] && typeof target[part] === "object" ? target[part] : {}; });
              target[parts[parts.length - 1]] = value;
            }
            return out;
          };
          const queryText = (query) => jsonText(typeof query === "string" ? { id: query } : query || {}, "the query");
          const makeDocs = (newestFirst) => {
            const api = {
              insert(collection, doc) { return JSON.parse(storageCall("docs.insert", String(collection), jsonText(doc, "the document"))); },
              insertMany(collection, docs) {
                if (!Array.isArray(docs)) throw new FaztError("INVALID_ARGUMENT", "insertMany takes an array of documents");
                return JSON.parse(storageCall("docs.insertMany", String(collection), jsonText(docs, "the documents")));
              },
              get(collection, id) { return JSON.parse(storageCall("docs.get", String(collection), String(id))); },
              find(collection, query, options) {
                const o = options || {};
                const docs = JSON.parse(storageCall("docs.find", String(collection), queryText(query),
                  jsonText({ sort: o.sort, limit: o.limit, skip: o.skip }, "options"), newestFirst ? "newest" : ""));
                return o.fields ? docs.map((doc) => pickFields(doc, o.fields)) : docs;
              },
              findOne(collection, query, options) {
                const found = api.find(collection, query, Object.assign({}, options, { limit: 1 }));
                return found.length ? found[0] : null;
              },
              count(collection, query) { return Number(storageCall("docs.count", String(collection), queryText(query))); },
              update(collection, query, changes) {
                return Number(storageCall("docs.update", String(collection), queryText(query), jsonText(changes, "the changes")));
              },
              delete(collection, query) { return Number(storageCall("docs.delete", String(collection), queryText(query))); },
              createIndex(collection, field) { storageCall("docs.createIndex", String(collection), String(field)); },
              collections() { return JSON.parse(storageCall("docs.collections")); },
            };
            return Object.freeze(api);
          };
          const docs = makeDocs(false);
          const sqlParams = (params) => (params === undefined || params === null ? "" : jsonText(params, "the parameters"));
          const sql = Object.freeze({
            query(text, params) { return JSON.parse(storageCall("sql.query", String(text), sqlParams(params))); },
            exec(text, params) { return JSON.parse(storageCall("sql.exec", String(text), sqlParams(params))); },
            batch(statements) { return JSON.parse(storageCall("sql.batch", jsonText(statements, "the statements"))); },
            tables() { return JSON.parse(storageCall("sql.tables")); },
          });
          const blobBytes = (data) => {
            if (typeof data === "string") return new TextEncoder().encode(data);
            if (data instanceof ArrayBuffer) return new Uint8Array(data);
            if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
            throw new FaztError("INVALID_ARGUMENT", "blob data must be a string, an ArrayBuffer or a Uint8Array");
          };
          const blobPut = (path, data, options) => {
            const type = typeof options === "string" ? options : options && options.type;
            const out = host.storeBytes("blobs.put", keyText(path, "the path"), optionalText(type), blobBytes(data));
            if (out.charCodeAt(0) === 1) {
              const split = out.indexOf("\u0001", 1);
              throw new FaztError(out.slice(1, split), out.slice(split + 1));
            }
            return JSON.parse(out);
          };
          const blobGet = (path) => {
            const meta = JSON.parse(storageCall("blobs.get", keyText(path, "the path")));
            if (meta === null) return null;
            meta.data = host.storeData();
            return meta;
          };
          const blobs = Object.freeze({
            put: blobPut,
            get: blobGet,
            delete(path) { return storageCall("blobs.delete", keyText(path, "the path")) === "true"; },
            list(options) {
              const prefix = typeof options === "string" ? options : options && options.prefix;
              return JSON.parse(storageCall("blobs.list", optionalText(prefix), String((options && options.limit) || 1000)));
            },
          });
          // The original Fazt's s3: data in and out as base64 (or a string/bytes on the way in).
          const s3 = Object.freeze({
            put(path, data, type) { return blobPut(path, typeof data === "string" ? data : blobBytes(data), type); },
            get(path) {
              const blob = blobGet(path);
              if (blob === null) return null;
              const bytes = new Uint8Array(blob.data);
              let binary = "";
              for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
              return Object.assign({}, blob, { data: btoa(binary) });
            },
            delete: blobs.delete,
            list: blobs.list,
          });
          let transactionDepth = 0;
          const transaction = (fn) => {
            if (typeof fn !== "function") throw new FaztError("INVALID_ARGUMENT", "transaction takes a function");
            if (transactionDepth > 0) return fn();  // nested: part of the outer transaction
            storageCall("tx.begin");
            transactionDepth = 1;
            let result;
            try {
              result = fn();
            } catch (error) {
              transactionDepth = 0;
              try { storageCall("tx.rollback"); } catch (ignored) {}
              throw error;
            }
            transactionDepth = 0;
            if (result && typeof result.then === "function") {
              storageCall("tx.rollback");
              throw new FaztError("TRANSACTION", "transaction(fn): fn must be synchronous (storage calls need no await); nothing was saved");
            }
            storageCall("tx.commit");
            return result;
          };
          const storage = Object.freeze({ kv, docs, sql, blobs, transaction, ds: makeDocs(true), s3 });

        """#
}
