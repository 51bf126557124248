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
  frame(svg, width, height, label);
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
    line.setAttribute("vector-effect", "non-scaling-stroke");
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


/** The SVG stretches to its box (CSS sets the height): lines keep their width, bars their gaps. */
function frame(svg, width, height, label) {
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
}

/**
 * Bars of `values` (one per label, oldest first, right-aligned in at least `slots` places), under a
 * caption with the largest value.
 */
export function bars(values, { labels = [], width = 640, height = 90, label = "", color = "#0a66ff", unit = "", slots = 30 } = {}) {
  const svg = document.createElementNS(ns, "svg");
  frame(svg, width, height, label);
  const max = Math.max(...values, 0);
  const step = width / Math.max(slots, values.length);
  const first = Math.max(slots, values.length) - values.length;
  values.forEach((value, i) => {
    const tall = max > 0 ? Math.max(1, (value / max) * (height - 2)) : 1;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", ((first + i) * step + 1).toFixed(1));
    bar.setAttribute("y", (height - tall).toFixed(1));
    bar.setAttribute("width", Math.max(1, step - 2).toFixed(1));
    bar.setAttribute("height", tall.toFixed(1));
    bar.setAttribute("fill", color);
    const title = document.createElementNS(ns, "title");
    title.textContent = (labels[i] ?? "") + ": " + value + unit;
    bar.append(title);
    svg.append(bar);
  });
  return h("div", {}, h("div", { class: "axis" }, "max " + (Number.isInteger(max) ? max : max.toFixed(4)) + unit
    + (values.length ? ", newest on the right" : "")), svg);
}

/**
 * Polls GET /traffic (requests and 5xx errors per minute over the last hour, by app label) every
 * `seconds` and calls `draw(apps)`; returns a stop function.
 */
export function hourlyTraffic(draw, { seconds = 5 } = {}) {
  let stopped = false;
  async function poll() {
    const res = await fetch("/_fazt/api/v1/traffic", { credentials: "same-origin" });
    if (res.ok && !stopped) draw((await res.json()).apps);
  }
  poll();
  const timer = setInterval(poll, seconds * 1000);
  return () => { stopped = true; clearInterval(timer); };
}

/** Requests and errors per minute of one app label (or every label added up) as a line chart. */
export function hourChart(apps, app, { width = 640, height = 80, label = "" } = {}) {
  const names = app ? [app] : Object.keys(apps).filter((name) => name !== "_fazt");
  // Always the whole hour: minutes before the server started (or before the app's first request) are 0.
  const length = Math.max(60, ...names.map((name) => apps[name]?.requests.length ?? 0));
  const sum = (key) => Array.from({ length }, (_, i) => names.reduce((t, name) => {
    const values = apps[name]?.[key] ?? [];
    return t + (values[i - (length - values.length)] ?? 0);
  }, 0));
  return chart([{ values: sum("requests"), color: "#0a66ff" }, { values: sum("errors"), color: "#c62828" }], { width, height, label });
}

export const hourLegend = () => h("span", { class: "muted legend" }, h("span", { class: "swatch requests" }), "requests ",
  h("span", { class: "swatch errors" }), "5xx errors (per minute, last hour, the newest minute still running)");
