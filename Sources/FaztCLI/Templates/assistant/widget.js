/*
 * The Fazt assistant widget. Embed it with one tag (see README.md):
 *   <script src="https://APP.example.com/widget.js" data-title="Help" data-color="#0a7" defer></script>
 * optional: data-user-id, data-user-name, data-user-hash (hex HMAC-SHA256(secret, user id), from your server).
 *
 * It adds a chat bubble and a panel inside a shadow root (#fazt-assistant), holding an iframe of the
 * app (the chat itself, on the app's origin). The page and the iframe talk with postMessage pinned
 * to each other's exact origin; nothing is ever sent to "*".
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src || document.getElementById("fazt-assistant")) return;
  var appOrigin = new URL(script.src, location.href).origin;
  var data = script.dataset || {};
  var color = /^#[0-9a-fA-F]{3,8}$/.test(data.color || "") ? data.color : "#0a7c66";
  var user = data.userId ? { id: data.userId, name: data.userName || undefined, hash: data.userHash || undefined } : undefined;

  function fail(message) {
    console.error("Fazt assistant: " + message);
  }

  fetch(appOrigin + "/api/config", { credentials: "omit", mode: "cors" })
    .then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          if (!response.ok) {
            fail(
              (body && body.error) ||
                "this page's origin " + location.origin + " is not allowed: add it to \"assistant.origins\" in the app's fazt.json"
            );
            return;
          }
          if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { mount(body); });
          else mount(body);
        });
    })
    .catch(function (error) {
      fail(
        "cannot reach " + appOrigin + "/api/config (" + error.message + "). If the console shows a CORS error, add " +
          location.origin + " to \"assistant.origins\" in the app's fazt.json"
      );
    });

  var CSS =
    ":host{all:initial}" +
    ".fazt-bubble{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;" +
    "background:var(--fazt-color);color:#fff;box-shadow:0 6px 20px rgba(0,0,0,.22);display:flex;align-items:center;" +
    "justify-content:center;z-index:2147483646;transition:transform .15s ease}" +
    ".fazt-bubble:hover{transform:scale(1.06)}.fazt-bubble:focus-visible{outline:3px solid #fff;outline-offset:-6px}" +
    ".fazt-bubble svg{width:26px;height:26px}.fazt-bubble .fazt-x{display:none}" +
    ".fazt-open .fazt-bubble .fazt-x{display:block}.fazt-open .fazt-bubble .fazt-chat{display:none}" +
    ".fazt-badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#e5484d;" +
    "color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}" +
    ".fazt-badge[hidden]{display:none}" +
    ".fazt-panel{position:fixed;right:20px;bottom:88px;width:380px;height:min(620px,calc(100vh - 110px));border-radius:16px;" +
    "overflow:hidden;background:#fff;box-shadow:0 12px 48px rgba(0,0,0,.25);z-index:2147483647;opacity:0;" +
    "transform:translateY(12px);pointer-events:none;visibility:hidden;transition:opacity .18s ease,transform .18s ease,visibility 0s .18s}" +
    ".fazt-open .fazt-panel{opacity:1;transform:none;pointer-events:auto;visibility:visible;transition:opacity .18s ease,transform .18s ease}" +
    ".fazt-frame{border:0;width:100%;height:100%;display:block;background:#fff}" +
    "@media (max-width:480px){.fazt-panel{right:0;bottom:0;width:100vw;height:100vh;border-radius:0}" +
    ".fazt-open .fazt-bubble{display:none}}";

  function mount(config) {
    var host = document.createElement("div");
    host.id = "fazt-assistant";
    var root = host.attachShadow({ mode: "open" });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (error) {
      var style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }
    var wrapper = document.createElement("div");
    wrapper.className = "fazt-root";
    wrapper.style.setProperty("--fazt-color", color);
    var title = data.title || config.title || "Assistant";

    var panel = document.createElement("div");
    panel.className = "fazt-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);
    var frame = document.createElement("iframe");
    frame.className = "fazt-frame";
    frame.title = title;
    frame.src = appOrigin + (config.frame || "/api/frame") + "?parent=" + encodeURIComponent(location.origin);
    panel.appendChild(frame);

    var bubble = document.createElement("button");
    bubble.type = "button";
    bubble.className = "fazt-bubble";
    bubble.setAttribute("aria-label", "Open " + title);
    bubble.innerHTML =
      '<svg class="fazt-chat" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>' +
      '<svg class="fazt-x" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z"/></svg>' +
      '<span class="fazt-badge" hidden></span>';
    var badge = bubble.querySelector(".fazt-badge");

    wrapper.appendChild(panel);
    wrapper.appendChild(bubble);
    root.appendChild(wrapper);
    document.body.appendChild(host);

    var open = false;
    function post(message) {
      if (frame.contentWindow) frame.contentWindow.postMessage(Object.assign({ fazt: "assistant" }, message), appOrigin);
    }
    function setOpen(value) {
      open = value;
      wrapper.classList.toggle("fazt-open", open);
      bubble.setAttribute("aria-label", (open ? "Close " : "Open ") + title);
      if (open) {
        badge.hidden = true;
        badge.textContent = "";
      }
      post({ type: open ? "open" : "closed" });
    }
    bubble.addEventListener("click", function () {
      setOpen(!open);
    });
    window.addEventListener("message", function (event) {
      if (event.origin !== appOrigin || event.source !== frame.contentWindow) return;
      var message = event.data;
      if (!message || message.fazt !== "assistant") return;
      if (message.type === "ready") post({ type: "init", title: title, color: color, user: user, open: open });
      else if (message.type === "close") setOpen(false);
      else if (message.type === "unread" && !open) {
        badge.textContent = String(message.count);
        badge.hidden = !message.count;
      }
    });
  }
})();
