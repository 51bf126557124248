/*
 * The chat inside the widget's iframe (served by /api/frame on the app's origin).
 * - talks to the embedding page only through postMessage pinned to its origin (checked by the
 *   server against assistant.origins), and ignores messages from any other origin or window;
 * - keeps {id, key} of its conversation in localStorage, loads the transcript, then follows the
 *   conversation's channel over /_ws from the start of its history ({offset: 0, epoch: ""}), so
 *   an answer still streaming after a reload is rebuilt from its deltas; de-duplicates by message
 *   id and streamId; reconnects with backoff and resumes from the last offset and epoch.
 */
(function () {
  "use strict";
  var parentOrigin = document.body.getAttribute("data-parent") || "";
  var embedded = window.parent !== window;
  var settings = JSON.parse(document.getElementById("fazt-config").textContent || "{}");
  var list = document.getElementById("fazt-messages");
  var input = document.getElementById("fazt-input");
  var send = document.getElementById("fazt-send");
  var form = document.getElementById("fazt-form");
  var statusBanner = document.getElementById("fazt-status");
  var typing = document.getElementById("fazt-typing");

  var user;
  var conversation; // {id, key, channel, token, tokenExpiresAt}
  var byId = new Map(); // message id → element
  var byStream = new Map(); // streamId → element (answers being built from deltas)
  var stored = new Set(); // streamIds whose whole answer is stored (replayed deltas are ignored)
  var waitingFor = null; // the streamId the typing indicator waits for
  var isOpen = !embedded;
  var unread = 0;
  var position = { offset: 0, epoch: "" };
  var socket;
  var attempts = 0;
  var started = false;
  var creating = null; // the request creating the conversation, while it runs

  function post(message) {
    if (embedded && parentOrigin) window.parent.postMessage(Object.assign({ fazt: "assistant" }, message), parentOrigin);
  }

  window.addEventListener("message", function (event) {
    if (!embedded || event.origin !== parentOrigin || event.source !== window.parent) return;
    var message = event.data;
    if (!message || message.fazt !== "assistant") return;
    if (message.type === "init") {
      if (message.title) document.getElementById("fazt-title").textContent = message.title;
      if (message.color) document.documentElement.style.setProperty("--accent", message.color);
      isOpen = Boolean(message.open);
      start(message.user);
    } else if (message.type === "open") {
      isOpen = true;
      unread = 0;
      input.focus();
      scrollDown();
    } else if (message.type === "closed") {
      isOpen = false;
    }
  });

  document.getElementById("fazt-close").addEventListener("click", function () {
    post({ type: "close" });
  });
  if (!embedded) document.getElementById("fazt-close").hidden = true;

  // ---- storage of the conversation's secret ----------------------------------------------------

  function storageKey() {
    return "fazt-assistant:" + (user && user.id ? "user:" + user.id : "anonymous");
  }
  function remembered() {
    try {
      return JSON.parse(localStorage.getItem(storageKey()) || "null");
    } catch (error) {
      return null;
    }
  }
  function remember(value) {
    try {
      localStorage.setItem(storageKey(), JSON.stringify(value));
    } catch (error) {
      /* private mode: the conversation lasts as long as the page */
    }
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          data.httpStatus = response.status;
          return data;
        });
    });
  }

  // ---- start: resume or create ------------------------------------------------------------------

  function start(pageUser) {
    if (started) return;
    started = true;
    user = pageUser && pageUser.id ? pageUser : undefined;
    var saved = remembered();
    (saved && saved.id && saved.key ? load(saved) : Promise.resolve(null)).then(
      function (loaded) {
        if (loaded) connect();
        else welcome();
      },
      function () {
        welcome();
      }
    );
  }

  /// A new visitor sees the greeting; nothing is stored until they write.
  function welcome() {
    list.textContent = "";
    if (settings.greeting) bubble("assistant", settings.greeting).setAttribute("data-done", "true");
    setStatus("open");
  }

  /// The conversation, created with the visitor's first message (a page view alone stores nothing).
  function ensureConversation() {
    if (conversation) return Promise.resolve(conversation);
    if (!creating) {
      creating = api("POST", "/api/conversations", { origin: parentOrigin, user: user })
        .then(function (created) {
          if (created.httpStatus !== 201) throw new Error(created.error || "The assistant is not available right now.");
          remember({ id: created.id, key: created.key });
          return load(created);
        })
        .then(function (loaded) {
          if (!loaded) throw new Error("The conversation could not be started. Please try again.");
          connect();
          return loaded;
        });
      creating.catch(function () {
        creating = null;
      });
    }
    return creating;
  }

  /// Loads the transcript (and a fresh channel token); null when the conversation is gone. With
  /// `tokenOnly` the messages shown stay as they are (an answer being rebuilt keeps its text).
  function load(saved, tokenOnly) {
    return api("GET", "/api/conversations/" + encodeURIComponent(saved.id) + "?key=" + encodeURIComponent(saved.key)).then(
      function (data) {
        if (data.httpStatus !== 200) return null;
        conversation = {
          id: data.id,
          key: saved.key,
          channel: data.channel,
          token: data.token,
          tokenExpiresAt: data.tokenExpiresAt,
        };
        if (!tokenOnly) render(data);
        return conversation;
      }
    );
  }

  function render(data) {
    list.textContent = "";
    byId.clear();
    byStream.clear();
    data.messages.forEach(function (m) {
      if (m.role === "assistant" && m.streamId) stored.add(m.streamId);
      addMessage(m, true);
    });
    setStatus(data.status);
    scrollDown();
  }

  // ---- rendering ----------------------------------------------------------------------------------

  function bubble(role, text) {
    var element = document.createElement("div");
    element.className = "fazt-msg";
    element.setAttribute("data-role", role);
    var body = document.createElement("div");
    body.className = "fazt-text";
    body.textContent = text || "";
    element.appendChild(body);
    if (role === "owner") {
      var who = document.createElement("div");
      who.className = "fazt-who";
      who.textContent = "Team";
      element.insertBefore(who, body);
    }
    list.appendChild(element);
    return element;
  }

  function setText(element, text) {
    element.querySelector(".fazt-text").textContent = text;
  }

  function addMessage(m, quiet) {
    if (m.id && byId.has(m.id)) return byId.get(m.id);
    var element = m.streamId && byStream.get(m.streamId);
    if (element) setText(element, m.text);
    else element = bubble(m.role, m.text);
    if (m.id) {
      element.setAttribute("data-id", m.id);
      byId.set(m.id, element);
    }
    if (m.streamId) element.setAttribute("data-stream-id", m.streamId);
    if (m.role === "assistant") element.setAttribute("data-done", "true");
    if (!quiet && m.role !== "visitor" && !isOpen) {
      unread += 1;
      post({ type: "unread", count: unread });
    }
    return element;
  }

  function streamBubble(streamId) {
    var element = byStream.get(streamId);
    if (!element) {
      element = bubble("assistant", "");
      element.setAttribute("data-stream-id", streamId);
      element.setAttribute("data-done", "false");
      byStream.set(streamId, element);
    }
    return element;
  }

  function notice(text) {
    var element = bubble("system", text);
    element.classList.add("fazt-local");
    scrollDown();
  }

  function setStatus(status) {
    status = status || "open";
    statusBanner.setAttribute("data-status", status);
    statusBanner.textContent =
      status === "pending"
        ? "A person from the team has been asked to join."
        : status === "human"
          ? "You are talking with a person from the team."
          : "";
  }

  function showTyping(streamId) {
    waitingFor = streamId;
    typing.hidden = false;
    scrollDown();
  }
  function hideTyping(streamId) {
    if (streamId === undefined || streamId === waitingFor) {
      waitingFor = null;
      typing.hidden = true;
    }
  }

  function nearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }
  function scrollDown() {
    list.scrollTop = list.scrollHeight;
  }

  // ---- the channel --------------------------------------------------------------------------------

  function handle(data) {
    if (!data || typeof data !== "object") return;
    var follow = nearBottom();
    switch (data.type) {
      case "visitor":
      case "owner":
      case "system":
        addMessage({ id: data.id, role: data.type, text: data.text });
        if (data.type !== "visitor") hideTyping();
        break;
      case "assistant":
        // The stored answer replaces the one built from deltas (same element), or is added.
        addMessage({ id: data.id, role: "assistant", text: data.text, streamId: data.streamId });
        if (data.streamId) {
          stored.add(data.streamId);
          byStream.delete(data.streamId);
          hideTyping(data.streamId);
        }
        break;
      case "status":
        setStatus(data.status);
        break;
      case "text-delta":
        if (!data.streamId || stored.has(data.streamId)) return;
        var element = streamBubble(data.streamId);
        var body = element.querySelector(".fazt-text");
        body.textContent += data.text;
        hideTyping(data.streamId);
        break;
      case "finish":
      case "error":
        if (!data.streamId || stored.has(data.streamId)) return;
        var answer = byStream.get(data.streamId);
        hideTyping(data.streamId);
        if (!answer) return;
        if (!answer.querySelector(".fazt-text").textContent) {
          answer.remove(); // only a tool call (a hand-off): nothing to show
          byStream.delete(data.streamId);
        } else {
          answer.setAttribute("data-done", "true");
          if (!isOpen) {
            unread += 1;
            post({ type: "unread", count: unread });
          }
        }
        break;
    }
    if (follow) scrollDown();
  }

  function connect() {
    var refresh =
      !conversation.token || (conversation.tokenExpiresAt && conversation.tokenExpiresAt - Date.now() < 60000)
        ? load(conversation, true)
        : Promise.resolve(conversation);
    refresh.then(
      function (current) {
        if (!current) return notice("This conversation has ended. Reload the page to start a new one.");
        open();
      },
      function () {
        retry();
      }
    );
  }

  function open() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/_ws");
    socket.onopen = function () {
      socket.send(
        JSON.stringify({ type: "subscribe", channel: conversation.channel, token: conversation.token, since: position })
      );
    };
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message.type === "ping") socket.send('{"type":"pong"}');
      else if (message.type === "subscribed") {
        attempts = 0;
        if (message.recovered === false && position.offset > 0) load(conversation);
        position = { offset: message.offset, epoch: message.epoch };
        (message.messages || []).forEach(function (m) {
          handle(m.data);
        });
        if (message.messages && message.messages.length) {
          position.offset = message.messages[message.messages.length - 1].offset;
          position.offset = Math.max(position.offset, message.offset);
        }
      } else if (message.type === "message" && message.channel === conversation.channel) {
        if (message.offset <= position.offset) return;
        position.offset = message.offset;
        handle(message.data);
      } else if (message.type === "error" && message.code === "unauthorized") {
        conversation.token = null;
        socket.close();
      }
    };
    socket.onclose = retry;
  }

  function retry() {
    attempts += 1;
    var delay = Math.min(15000, 500 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() / 2);
    setTimeout(connect, delay);
  }

  // ---- sending ------------------------------------------------------------------------------------

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.max(40, Math.min(input.scrollHeight + 2, 140)) + "px";
    input.style.overflowY = input.scrollHeight > 140 ? "auto" : "hidden";
  }
  input.addEventListener("input", grow);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || send.disabled) return;
    send.disabled = true;
    ensureConversation()
      .then(function () {
        return api("POST", "/api/messages", { conversation: conversation.id, key: conversation.key, text: text });
      })
      .then(function (answer) {
        if (answer.httpStatus !== 202) {
          notice(answer.error || "The message could not be sent. Please try again.");
          return;
        }
        input.value = "";
        grow();
        addMessage(answer.message, true);
        if (answer.status) setStatus(answer.status);
        if (answer.streamId && !stored.has(answer.streamId)) {
          var building = byStream.get(answer.streamId);
          if (!building || !building.querySelector(".fazt-text").textContent) showTyping(answer.streamId);
        }
        if (answer.system) addMessage(answer.system, true);
        scrollDown();
      })
      .catch(function (error) {
        notice(
          error instanceof TypeError || !error
            ? "The message could not be sent: check your connection and try again."
            : error.message
        );
      })
      .then(function () {
        send.disabled = false;
        input.focus();
      });
  });

  if (embedded && parentOrigin) post({ type: "ready" });
  else start(undefined);
})();
