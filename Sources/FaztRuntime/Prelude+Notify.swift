/// The prelude's `fazt.notify({title, body, url, priority, tags, channel})`. Synchronous; the
/// daemon stores the notification and queues its deliveries. Evaluated inside the prelude's scope.
extension Prelude {
    static let notify = #"""
          // ---- notifications ------------------------------------------------------------------
          const notify = (message) => {
            const m = typeof message === "string" ? { title: message } : message;
            if (!m || typeof m !== "object") throw new FaztError("INVALID_ARGUMENT", "notify: pass {title, body, url, priority, tags, channel}");
            return JSON.parse(storageCall("notify", jsonText(m, "the notification")));
          };

        """#
}
