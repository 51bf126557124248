// Live request and error rates from /_fazt/metrics (the owner's session reads it), drawn as inline
// SVG: no chart library.
import { h } from "./ui.js";

const ns = "http://www.w3.org/2000/svg";

/** Requests so far by app and status class, from the Prometheus text. */
export function requestCounts(text) {
  const counts = {};
  const line = /^fazt_http_requests_total\{app="([^"]*)",code="(\dxx)"\} ([0-9.e+]+)$/;
  for (const row of text.split("\n")) {
    const match = line.exec(row);
    if (!match) continue;
    const [, app, code, value] = match;
    counts[app] ??= { total: 0, errors: 0 };
    counts[app].total += Number(value);
    if (code === "5xx") counts[app].errors += Number(value);
  }
  return counts;
}

/** A line chart of one or two series (requests, errors) per second. */
export function chart(series, { width = 320, height = 60, label = "" } = {}) {
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  for (const { values, color } of series) {
    if (values.length < 2) continue;
    const step = width / (values.length - 1);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", values.map((v, i) =>
      `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 6)).toFixed(1)}`).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", "1.5");
    svg.append(line);
  }
  return svg;
}

/**
 * Polls the metrics every `seconds` and calls `draw(rates)` with, per app, the last samples of
 * requests and errors per second; returns a stop function.
 */
export function liveRates(draw, { seconds = 5, keep = 60 } = {}) {
  let previous = null;
  const history = {};
  async function poll() {
    const res = await fetch("/_fazt/metrics", { credentials: "same-origin" });
    if (!res.ok) return;
    const counts = requestCounts(await res.text());
    const now = Date.now();
    if (previous) {
      const elapsed = (now - previous.at) / 1000;
      for (const [app, count] of Object.entries(counts)) {
        const before = previous.counts[app] ?? { total: 0, errors: 0 };
        const entry = (history[app] ??= { requests: [], errors: [] });
        entry.requests.push(Math.max(0, (count.total - before.total) / elapsed));
        entry.errors.push(Math.max(0, (count.errors - before.errors) / elapsed));
        if (entry.requests.length > keep) { entry.requests.shift(); entry.errors.shift(); }
      }
      draw(history);
    }
    previous = { at: now, counts };
  }
  poll();
  const timer = setInterval(poll, seconds * 1000);
  return () => clearInterval(timer);
}

/** "12.3 req/s · 0.1 errors/s" for the newest sample. */
export function rateText(entry) {
  if (!entry || !entry.requests.length) return "measuring…";
  const last = (values) => values[values.length - 1];
  return `${last(entry.requests).toFixed(1)} req/s · ${last(entry.errors).toFixed(1)} errors/s`;
}

export const legend = () => h("span", { class: "muted legend" }, h("span", { class: "swatch requests" }), "requests ",
  h("span", { class: "swatch errors" }), "5xx errors (per second, since this page opened)");
