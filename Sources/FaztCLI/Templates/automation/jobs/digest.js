// The daily cron job (see "schedules" in fazt.json): a digest of yesterday's items.

exports.scheduled = async () => {
  const since = Date.now() - 24 * 3600 * 1000;
  const items = fazt.storage.docs.find("items", { _createdAt: { $gte: since } });
  if (items.length === 0) return;
  fazt.notify({
    title: `${items.length} new item${items.length === 1 ? "" : "s"}`,
    body: items.map((item) => "- " + item.title).join("\n").slice(0, 4000),
  });
};
