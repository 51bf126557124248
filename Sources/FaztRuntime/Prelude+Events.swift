/// The prelude's event API: `fazt.events.emit/on/off/query`. Synchronous; the daemon's event bus
/// answers. Evaluated inside the prelude's function scope (after the storage part).
extension Prelude {
    static let events = #"""
          // ---- events -------------------------------------------------------------------------
          const eventText = (value, what) => {
            if (typeof value !== "string" || value === "") throw new FaztError("INVALID_ARGUMENT", `${what} must be a non-empty string`);
            return value;
          };
          const events = Object.freeze({
            emit(type, data, options) {
              return JSON.parse(storageCall("events.emit", eventText(type, "the event type"), jsonText(data, "the event data"), jsonText(options || {}, "the options")));
            },
            on(pattern, handler) {
              return storageCall("events.on", eventText(pattern, "the pattern"), eventText(handler === undefined ? currentFile : handler, "the handler")) === "true";
            },
            off(pattern, handler) {
              return storageCall("events.off", eventText(pattern, "the pattern"), handler === undefined ? "" : eventText(handler, "the handler")) === "true";
            },
            query(options) {
              const o = Object.assign({}, options || {});
              if (o.since instanceof Date) o.since = o.since.getTime();
              else if (typeof o.since === "string") o.since = Date.parse(o.since);
              return JSON.parse(storageCall("events.query", jsonText(o, "the options")));
            },
          });

        """#
}
