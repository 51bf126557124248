/// The prelude's realtime API: `fazt.socket.*`, the original Fazt's `fazt.realtime.*`, and the
/// socket handler invocation (`api/_socket.js`: `open`, `message`, `close`). Every call is
/// synchronous; the daemon's realtime hub answers, only ever for the invocation's own app.
/// Evaluated inside the prelude's function scope (after the storage part, whose `storageCall`,
/// `jsonText` and `optionalText` it uses).
extension Prelude {
    static let realtime = #"""
          // ---- realtime -----------------------------------------------------------------------
          // A socket id, or a ws object (its id).
          const socketIDText = (id) => {
            const value = id !== null && typeof id === "object" && typeof id.id === "string" ? id.id : id;
            if (typeof value !== "string" || value === "") throw new FaztError("INVALID_ARGUMENT", "the socket id must be a non-empty string");
            return value;
          };
          const channelText = (channel) => {
            if (typeof channel !== "string" || channel === "") throw new FaztError("INVALID_ARGUMENT", "the channel must be a non-empty string");
            return channel;
          };
          // What a socket receives from send(): a string as it is, any other value as JSON text.
          const frameText = (data) => {
            if (isBinary(data)) throw new FaztError("INVALID_ARGUMENT", "sockets are sent text: pass a string or a JSON value, not bytes");
            return typeof data === "string" ? data : jsonText(data, "the data");
          };
          const optionsObject = (options, what) => {
            if (options === undefined || options === null) return {};
            if (typeof options !== "object" || Array.isArray(options)) throw new FaztError("INVALID_ARGUMENT", `${what}: options must be an object`);
            return options;
          };
          const socket = Object.freeze({
            broadcast(channel, data, options) {
              const o = optionsObject(options, "socket.broadcast");
              const except = o.except === undefined || o.except === null ? "" : socketIDText(o.except);
              return Number(storageCall("socket.broadcast", channelText(channel), jsonText(data, "the data"), except));
            },
            send(id, data) {
              // Bytes (ArrayBuffer, typed array) go as a binary message, anything else as text.
              if (isBinary(data)) return host.storeBytes("socket.sendBinary", socketIDText(id), "", new Uint8Array(bytesOf(data))) === "true";
              return storageCall("socket.send", socketIDText(id), frameText(data)) === "true";
            },
            sockets(options) {
              const o = optionsObject(options, "socket.sockets");
              const filter = {};
              if (o.channel !== undefined && o.channel !== null) filter.channel = channelText(o.channel);
              if (o.tag !== undefined && o.tag !== null) filter.tag = String(o.tag);
              return JSON.parse(storageCall("socket.sockets", JSON.stringify(filter)));
            },
            count(channel) {
              return Number(storageCall("socket.count", channel === undefined || channel === null ? "" : channelText(channel)));
            },
            presence(channel) { return JSON.parse(storageCall("socket.presence", channelText(channel))); },
            kick(id, reason) { return storageCall("socket.kick", socketIDText(id), optionalText(reason)) === "true"; },
            token(options) {
              const o = optionsObject(options, "socket.token");
              return JSON.parse(storageCall("socket.token", jsonText({ user: o.user, channels: o.channels, ttl: o.ttl }, "the options")));
            },
          });
          // The original Fazt's names.
          const realtime = Object.freeze({
            broadcast(channel, data) { return socket.broadcast(channel, data); },
            broadcastAll(data) { return Number(storageCall("socket.sendAll", frameText(data))); },
            subscribers(channel) { return socket.count(channel); },
            count() { return socket.count(); },
            kick(id, reason) { return socket.kick(id, reason); },
          });

          // The `ws` of a socket handler: the socket's record when the event started, and methods
          // that act on the live socket (they answer false once it has closed).
          function makeSocket(info) {
            const id = String(info.id);
            const ws = {
              id,
              user: info.user === undefined ? null : info.user,
              tags: Array.isArray(info.tags) ? info.tags.slice() : [],
              attachment: info.attachment === undefined ? null : info.attachment,
            };
            const method = (fn) => ({ value: fn, enumerable: false });
            return Object.defineProperties(ws, {
              send: method((data) => socket.send(id, data)),
              close: method((code, reason) =>
                storageCall("socket.close", id, code === undefined || code === null ? "" : String(code), optionalText(reason)) === "true"),
              subscribe: method((channel) => storageCall("socket.subscribe", id, channelText(channel)) === "true"),
              unsubscribe: method((channel) => storageCall("socket.unsubscribe", id, channelText(channel)) === "true"),
              setAttachment: method((value) => {
                const text = jsonText(value, "the attachment");
                const stored = storageCall("socket.attach", id, text) === "true";
                ws.attachment = JSON.parse(text);
                return stored;
              }),
              setTags: method((tags) => {
                if (!Array.isArray(tags)) throw new FaztError("INVALID_ARGUMENT", "setTags takes an array of strings");
                const list = tags.map((tag) => {
                  if (typeof tag !== "string") throw new FaztError("INVALID_ARGUMENT", "setTags takes an array of strings");
                  return tag;
                });
                const stored = storageCall("socket.tags", id, JSON.stringify(list)) === "true";
                ws.tags = list;
                return stored;
              }),
            });
          }
          const SOCKET_EVENTS = ["open", "message", "close"];
          // One socket event: `open(ws, req)`, `message(ws, data)` or `close(ws, code, reason)`.
          // A file that exports none of them fails with BAD_HANDLER; a missing one is skipped (an
          // `open` that is not there accepts). `open` answers false (refuse) or true.
          async function invokeSocket(file, payload, rawBytes) {
            const exports = await loadEntry(file, SOCKET_EVENTS);
            const name = payload.event;
            if (!exports || !SOCKET_EVENTS.some((event) => typeof exports[event] === "function")) {
              const error = new Error(`${file} exports none of open(ws, req), message(ws, data), close(ws, code, reason)`);
              error.code = "BAD_HANDLER";
              throw error;
            }
            const handler = typeof exports[name] === "function" ? exports[name] : null;
            if (handler === null) return name === "open" ? true : null;
            const ws = makeSocket(payload.socket || {});
            if (name === "open") return (await handler(ws, makeRequest(payload.request, null))) !== false;
            if (name === "message") {
              await handler(ws, payload.binary ? new Uint8Array(rawBytes || new ArrayBuffer(0)) : payload.data);
              return null;
            }
            await handler(ws, payload.code, payload.reason);
            return null;
          }

        """#
}
