// Runs once per `item.added` event (at-least-once, retried on failure).
// It schedules a durable reminder an hour later: the timer sleeps in data.db, not in memory.

exports.event = async (event) => {
  fazt.schedule("1h", { id: event.data.id }, { handler: "jobs/remind.js", key: "remind:" + event.data.id });
};
