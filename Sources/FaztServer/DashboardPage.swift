/// The owner page: signs in with the owner's password (or a `/#token=` link) into a cookie session,
/// lists the apps, the last backup and the signed-in browsers.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Fazt</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml">
        <style>
        :root{--fg:#1d1d1f;--muted:#6e6e73;--line:#e5e5ea;--accent:#0a66ff;--bg:#fafafa}
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,sans-serif;color:var(--fg);background:var(--bg)}
        header{display:flex;align-items:center;gap:1rem;padding:1rem 1.5rem;border-bottom:1px solid var(--line);background:#fff}
        header h1{font-size:1.2rem;margin:0}main{max-width:56rem;margin:1.5rem auto;padding:0 1rem}
        table{width:100%;border-collapse:collapse;background:#fff;border:1px solid var(--line);border-radius:8px}
        th,td{text-align:left;padding:.6rem .8rem;border-bottom:1px solid var(--line)}th{font-weight:600;color:var(--muted);font-size:.85rem}
        a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
        .muted{color:var(--muted)}form{display:flex;gap:.5rem;margin:1rem 0}input{flex:1;padding:.5rem;border:1px solid var(--line);border-radius:6px;font:inherit}
        button{padding:.5rem 1rem;border:0;border-radius:6px;background:var(--accent);color:#fff;font:inherit;cursor:pointer}
        #error{color:#c00}
        @media (max-width:480px){th,td{padding:.45rem .5rem;font-size:.9rem}#apps th:nth-child(3),#apps td:nth-child(3),#apps th:nth-child(4),#apps td:nth-child(4){display:none}}
        </style>
        </head>
        <body>
        <header><h1>Fazt</h1><span class="muted" id="summary"></span><span style="flex:1"></span>
        <button id="logout" hidden>Sign out</button></header>
        <main>
        <section id="login" hidden>
        <form id="password-form"><input id="password" type="password" placeholder="Owner password" autocomplete="current-password" required aria-label="Owner password"><button>Sign in</button></form>
        <p><button id="passkey-signin" type="button" hidden>Sign in with a passkey</button></p>
        <p class="muted" id="no-password" hidden>No password is set yet: set one on the server with <code>fazt owner password</code>,
        or open the sign-in link printed when the server first started (<code>/#token=…</code>).</p>
        </section>
        <p id="error" role="alert"></p>
        <table id="apps" hidden><thead><tr><th>App</th><th>Version</th><th>Files</th><th>Size</th><th>Updated</th></tr></thead><tbody></tbody></table>
        <p id="empty" class="muted" hidden>No apps yet. Deploy one with <code>fazt deploy ./my-site --app my-site</code>.</p>
        <p id="backup" class="muted"></p>
        <section id="sessions-section" hidden><h2 style="font-size:1rem">Signed-in browsers</h2>
        <table id="sessions"><thead><tr><th>Session</th><th>Opens</th><th>Since</th></tr></thead><tbody></tbody></table>
        <p><button id="logout-all">Sign out everywhere</button></p>
        <h2 style="font-size:1rem">Passkeys</h2><ul id="passkeys"></ul>
        <p><button id="passkey-add" type="button">Add a passkey</button> <span id="passkey-status" class="muted" role="status"></span></p></section>
        </main>
        <script>
        const api = "/_fazt/api/v1";
        const $ = (id) => document.getElementById(id);
        let csrf = null;
        const size = (n) => n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB";
        function cell(row, text, href) {
          const td = row.insertCell();
          if (href) { const a = document.createElement("a"); a.href = href; a.textContent = text; td.append(a); }
          else td.textContent = text;
        }
        // Reads go with the session cookie; writes also carry the session's CSRF token.
        async function call(method, path, body) {
          const headers = { "Content-Type": "application/json" };
          if (method !== "GET") headers["X-Fazt-CSRF"] = csrf;
          const res = await fetch(api + path, { method, headers, body: body && JSON.stringify(body), credentials: "same-origin" });
          if (res.status === 401) { csrf = null; await load(); throw new Error("signed out"); }
          return res.json();
        }
        async function session(method, body) {
          const headers = { "Content-Type": "application/json" };
          if (csrf) headers["X-Fazt-CSRF"] = csrf;
          const res = await fetch("/_fazt/session", { method, headers, body: body && JSON.stringify(body), credentials: "same-origin" });
          return { status: res.status, body: await res.json() };
        }
        const b64u = {
          enc: (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
          dec: (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4)), (c) => c.charCodeAt(0)),
        };
        async function passkeyPost(path, body) {
          const headers = { "Content-Type": "application/json" };
          if (csrf) headers["X-Fazt-CSRF"] = csrf;
          const res = await fetch("/_fazt/passkeys/" + path, { method: "POST", headers, body: JSON.stringify(body || {}), credentials: "same-origin" });
          const answer = await res.json();
          if (!res.ok) throw new Error((answer.error && answer.error.message) || answer.error || ("passkey " + path + ": " + res.status));
          return answer;
        }
        async function addPasskey() {
          const options = await passkeyPost("register/options");
          const credential = await navigator.credentials.create({ publicKey: { ...options,
            challenge: b64u.dec(options.challenge), user: { ...options.user, id: b64u.dec(options.user.id) },
            excludeCredentials: options.excludeCredentials.map((c) => ({ ...c, id: b64u.dec(c.id) })) } });
          await passkeyPost("register", { name: navigator.platform || "passkey",
            clientDataJSON: b64u.enc(credential.response.clientDataJSON),
            attestationObject: b64u.enc(credential.response.attestationObject) });
          $("passkey-status").textContent = "Passkey added.";
          load();
        }
        async function passkeySignIn() {
          const options = await passkeyPost("login/options");
          const assertion = await navigator.credentials.get({ publicKey: { ...options,
            challenge: b64u.dec(options.challenge),
            allowCredentials: options.allowCredentials.map((c) => ({ ...c, id: b64u.dec(c.id) })) } });
          await passkeyPost("login", { id: assertion.id,
            clientDataJSON: b64u.enc(assertion.response.clientDataJSON),
            authenticatorData: b64u.enc(assertion.response.authenticatorData),
            signature: b64u.enc(assertion.response.signature) });
          load();
        }
        async function load() {
          $("error").textContent = "";
          // "/#token=…" signs in once: the fragment never reaches the server's logs, and is removed at once.
          if (location.hash.startsWith("#token=")) {
            const token = decodeURIComponent(location.hash.slice(7));
            history.replaceState(null, "", location.pathname);
            const signed = await session("POST", { token });
            if (signed.status !== 200) $("error").textContent = signed.body.error || "That link is not valid.";
          }
          const state = (await session("GET")).body;
          csrf = state.csrf || null;
          $("login").hidden = state.signedIn; $("logout").hidden = !state.signedIn;
          $("no-password").hidden = state.passwordSet;
          $("passkey-signin").hidden = state.signedIn || !window.PublicKeyCredential;
          $("apps").hidden = true; $("sessions-section").hidden = !state.signedIn;
          if (!state.signedIn) { $("summary").textContent = ""; $("backup").textContent = ""; return; }
          const body = await call("GET", "/apps");
          const tbody = $("apps").querySelector("tbody"); tbody.replaceChildren();
          for (const app of body.apps) {
            const row = tbody.insertRow();
            cell(row, app.name, app.url); cell(row, "v" + app.version + " of " + app.versions);
            cell(row, String(app.files)); cell(row, size(app.bytes)); cell(row, new Date(app.updatedAt).toLocaleString());
          }
          $("apps").hidden = body.apps.length === 0; $("empty").hidden = body.apps.length !== 0;
          $("summary").textContent = body.apps.length + (body.apps.length === 1 ? " app" : " apps");
          const backup = await call("GET", "/backups/status");
          $("backup").textContent = backup.lastAt === undefined ? "Backups: none yet (fazt backup create)."
            : backup.lastOK ? "Last backup: " + backup.lastName + ", " + new Date(backup.lastSuccessAt).toLocaleString() + " (ok)."
            : "Last backup FAILED " + new Date(backup.lastAt).toLocaleString() + ": " + backup.lastError;
          const sessions = await call("GET", "/sessions");
          const rows = $("sessions").querySelector("tbody"); rows.replaceChildren();
          for (const s of sessions.sessions) {
            const row = rows.insertRow();
            cell(row, s.id + (s.current ? " (this browser)" : "")); cell(row, s.app || "dashboard");
            cell(row, new Date(s.createdAt).toLocaleString());
          }
          const keys = await call("GET", "/passkeys");
          $("passkeys").replaceChildren(...keys.passkeys.map((k) => {
            const li = document.createElement("li"); li.textContent = k.name + " (added " + new Date(k.createdAt).toLocaleDateString() + ")";
            li.dataset.id = k.id; return li;
          }));
        }
        $("password-form").addEventListener("submit", async (e) => {
          e.preventDefault();
          const signed = await session("POST", { password: $("password").value });
          $("password").value = "";
          if (signed.status !== 200) { $("error").textContent = signed.body.error || "Sign-in failed."; return; }
          load();
        });
        $("passkey-add").addEventListener("click", () => addPasskey().catch((e) => { $("error").textContent = String(e.message || e); }));
        $("passkey-signin").addEventListener("click", () => passkeySignIn().catch((e) => { $("error").textContent = String(e.message || e); }));
        $("logout").addEventListener("click", async () => { await session("DELETE"); csrf = null; load(); });
        $("logout-all").addEventListener("click", async () => { await call("DELETE", "/sessions"); csrf = null; load(); });
        load().catch((e) => { $("error").textContent = String(e); });
        </script>
        </body>
        </html>

        """#
}
