// Per-minute counters in kv (they expire on their own) and the 429 answer.

const { json } = require("./config.js");

/// Counts one event in the current minute under `name`; the seconds to wait when past `limit`, else 0.
function overLimit(name, limit) {
  const kv = fazt.storage.kv;
  const now = Date.now();
  const minute = Math.floor(now / 60000);
  const key = `rate:${name}:${minute}`;
  const count = kv.incr(key);
  if (count === 1) kv.set(key, 1, { ttl: "2m" });
  return count > limit ? Math.max(1, Math.ceil(((minute + 1) * 60000 - now) / 1000)) : 0;
}

function tooMany(what, seconds) {
  return json(
    { error: `too many ${what}: wait ${seconds} s and try again`, retryAfter: seconds },
    429,
    { "Retry-After": String(seconds) }
  );
}

module.exports = { overLimit, tooMany };
