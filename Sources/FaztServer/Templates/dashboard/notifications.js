// The owner's notification inbox, live: the newest first, new ones arriving over server-sent events.
import { api, h, when } from "./ui.js";

/** The inbox element and a stop function (closes the event stream). */
export async function inbox() {
  const list = h("ul", { id: "inbox", class: "inbox", "aria-live": "polite" });
  const show = (n) => list.prepend(h("li", {}, h("span", { class: "muted" }, when(n.at ?? n.createdAt) + " · "),
    (n.app ? n.app + " · " : "") + (n.title || "") + (n.body ? ": " + n.body : "")));
  const recent = await api("GET", "/notifications?limit=50");
  recent.notifications.forEach(show);
  if (!recent.notifications.length) list.append(h("li", { class: "muted", id: "inbox-empty" }, "No notifications yet."));
  const after = recent.notifications.length ? recent.notifications[recent.notifications.length - 1].id : undefined;
  const source = new EventSource("/_fazt/api/v1/notifications?follow=1" + (after ? "&after=" + after : ""));
  source.addEventListener("notification", (event) => { list.querySelector("#inbox-empty")?.remove(); show(JSON.parse(event.data)); });
  return { element: list, stop: () => source.close() };
}
