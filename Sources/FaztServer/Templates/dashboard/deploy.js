// Deploying a folder from the browser: the files (dropped, or picked with a folder input) are
// packed into an uncompressed tar here and uploaded with a progress bar.
import { h, session } from "./ui.js";

const encoder = new TextEncoder();

function octal(value, length) { return value.toString(8).padStart(length - 1, "0") + "\0"; }

/** A POSIX ustar archive of [{path, bytes}] (paths up to 255 bytes, split into prefix and name). */
export function tar(files) {
  const blocks = [];
  for (const { path, bytes } of files) {
    const header = new Uint8Array(512);
    const put = (text, offset) => header.set(encoder.encode(text), offset);
    let name = path, prefix = "";
    if (encoder.encode(path).length > 100) {
      const cut = path.lastIndexOf("/", 155);
      prefix = path.slice(0, cut); name = path.slice(cut + 1);
    }
    put(name, 0); put("0000644\0", 100); put("0000000\0", 108); put("0000000\0", 116);
    put(octal(bytes.length, 12), 124); put(octal(Math.floor(Date.now() / 1000), 12), 136);
    put("        ", 148); put("0", 156); put("ustar\0", 257); put("00", 263); put(prefix, 345);
    const sum = header.reduce((total, byte) => total + byte, 0);
    put(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    blocks.push(header, bytes, new Uint8Array((512 - (bytes.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return new Blob(blocks, { type: "application/x-tar" });
}

/** The files of a dropped folder (DataTransferItem entries), paths relative to it. */
async function droppedFiles(items) {
  const files = [];
  const readAll = (reader) => new Promise((resolve, reject) => {
    const all = [];
    const next = () => reader.readEntries((batch) => batch.length ? (all.push(...batch), next()) : resolve(all), reject);
    next();
  });
  async function walk(entry, prefix) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      files.push({ path: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      for (const child of await readAll(entry.createReader())) await walk(child, prefix + entry.name + "/");
    }
  }
  const entries = [...items].map((item) => item.webkitGetAsEntry()).filter(Boolean);
  // One dropped folder: its contents are the app; several items: they are.
  if (entries.length === 1 && entries[0].isDirectory) {
    for (const child of await readAll(entries[0].createReader())) await walk(child, "");
  } else {
    for (const entry of entries) await walk(entry, "");
  }
  return files;
}

const archiveTypes = [[/\.zip$/i, "application/zip"], [/\.(tar\.gz|tgz)$/i, "application/gzip"], [/\.tar$/i, "application/x-tar"]];
const archiveType = (file) => archiveTypes.find(([pattern]) => pattern.test(file.name))?.[1];

/**
 * The deploy card: app name (fixed when `app` is given), drop zone, folder or archive picker,
 * progress, outcome.
 */
export function deployCard(onDeployed, { app: fixed } = {}) {
  const name = h("input", { id: "deploy-name", placeholder: "app name", "aria-label": "App name", pattern: "[a-z0-9][a-z0-9\\-]*",
    value: fixed, hidden: !!fixed });
  const progress = h("progress", { id: "deploy-progress", max: 100, value: 0, hidden: true });
  const status = h("p", { id: "deploy-status", class: "muted", role: "status" });
  const picker = h("input", { id: "deploy-folder", type: "file", webkitdirectory: true, multiple: true, "aria-label": "Folder to deploy" });
  const archive = h("input", { id: "deploy-archive", type: "file", accept: ".zip,.tar,.tar.gz,.tgz", "aria-label": "Archive to deploy" });
  const zone = h("div", { class: "drop", id: "deploy-drop", tabindex: "0" },
    "Drop a folder or a .zip / .tar.gz here, or pick a folder: ", picker, " or an archive: ", archive);

  async function upload(files) {
    if (!files.length) { status.textContent = "That folder is empty."; return; }
    const entries = await Promise.all(files.map(async ({ path, file }) => ({ path, bytes: new Uint8Array(await file.arrayBuffer()) })));
    send(tar(entries), "application/x-tar", `Uploading ${files.length} files…`);
  }

  function send(body, type, message) {
    const app = name.value.trim().toLowerCase();
    if (!app) { status.textContent = "Give the app a name first."; name.focus(); return; }
    progress.hidden = false; progress.value = 0;
    status.textContent = message;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/_fazt/api/v1/apps/" + encodeURIComponent(app) + "/deploy?source=dashboard");
    xhr.setRequestHeader("Content-Type", type);
    xhr.setRequestHeader("X-Fazt-CSRF", session.csrf);
    xhr.upload.onprogress = (event) => { if (event.lengthComputable) progress.value = Math.round(100 * event.loaded / event.total); };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 201) { progress.value = 100; status.textContent = `Deployed ${app} v${answer.version}.`; onDeployed(app); }
      else status.textContent = "Deploy failed: " + (answer.error?.message || xhr.status);
    };
    xhr.onerror = () => { status.textContent = "Deploy failed: the connection broke."; };
    xhr.send(body);
  }

  picker.addEventListener("change", () => upload([...picker.files].map((file) => ({
    // webkitRelativePath is "folder/inner/path": the picked folder itself is not part of the app.
    path: file.webkitRelativePath.split("/").slice(1).join("/") || file.name, file }))));
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  archive.addEventListener("change", () => {
    const file = archive.files[0];
    if (file) send(file, archiveType(file) || "application/octet-stream", `Uploading ${file.name}…`);
  });
  zone.addEventListener("drop", async (event) => {
    event.preventDefault(); zone.classList.remove("over");
    const dropped = [...event.dataTransfer.files];
    if (dropped.length === 1 && archiveType(dropped[0])) {
      send(dropped[0], archiveType(dropped[0]), `Uploading ${dropped[0].name}…`);
      return;
    }
    upload(await droppedFiles(event.dataTransfer.items));
  });
  return h("div", { class: "card", id: "deploy" }, h("h3", {}, fixed ? "Deploy a new version" : "Deploy a folder or archive"),
    fixed ? "" : h("form", { onsubmit: (e) => e.preventDefault() }, name), zone, progress, status);
}
