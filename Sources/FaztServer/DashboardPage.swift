/// The owner page: asks for a token once (kept in this browser's localStorage) and lists the apps.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Fazt</title>
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
        </style>
        </head>
        <body>
        <header><h1>Fazt</h1><span class="muted" id="summary"></span><span style="flex:1"></span>
        <button id="logout" hidden>Forget token</button></header>
        <main>
        <section id="login" hidden>
        <p>Paste an owner token to see your apps. The first token was printed when the server first started;
        make another with <code>fazt token create</code>.</p>
        <form id="token-form"><input id="token" type="password" placeholder="fzt_…" autocomplete="off" required><button>Open</button></form>
        </section>
        <p id="error"></p>
        <table id="apps" hidden><thead><tr><th>App</th><th>Version</th><th>Files</th><th>Size</th><th>Updated</th></tr></thead><tbody></tbody></table>
        <p id="empty" class="muted" hidden>No apps yet. Deploy one with <code>fazt deploy ./my-site --app my-site</code>.</p>
        <p id="backup" class="muted"></p>
        </main>
        <script>
        const api = "/_fazt/api/v1";
        // "/#token=…" logs in: the fragment never reaches the server, and is removed from the URL at once.
        if (location.hash.startsWith("#token=")) {
          localStorage.setItem("fazt.token", decodeURIComponent(location.hash.slice(7)));
          history.replaceState(null, "", location.pathname);
        }
        const $ = (id) => document.getElementById(id);
        const size = (n) => n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB";
        function cell(row, text, href) {
          const td = row.insertCell();
          if (href) { const a = document.createElement("a"); a.href = href; a.textContent = text; td.append(a); }
          else td.textContent = text;
        }
        async function load() {
          const token = localStorage.getItem("fazt.token");
          $("login").hidden = !!token; $("logout").hidden = !token; $("error").textContent = "";
          if (!token) return;
          const res = await fetch(api + "/apps", { headers: { Authorization: "Bearer " + token } });
          if (res.status === 401) { localStorage.removeItem("fazt.token"); $("error").textContent = "That token is not valid."; return load(); }
          const body = await res.json();
          const tbody = $("apps").querySelector("tbody"); tbody.replaceChildren();
          for (const app of body.apps) {
            const row = tbody.insertRow();
            cell(row, app.name, app.url); cell(row, "v" + app.version + " of " + app.versions);
            cell(row, String(app.files)); cell(row, size(app.bytes)); cell(row, new Date(app.updatedAt).toLocaleString());
          }
          $("apps").hidden = body.apps.length === 0; $("empty").hidden = body.apps.length !== 0;
          $("summary").textContent = body.apps.length + (body.apps.length === 1 ? " app" : " apps");
          const backup = await (await fetch(api + "/backups/status", { headers: { Authorization: "Bearer " + token } })).json();
          $("backup").textContent = backup.lastAt === undefined ? "Backups: none yet (fazt backup create)."
            : backup.lastOK ? "Last backup: " + backup.lastName + ", " + new Date(backup.lastSuccessAt).toLocaleString() + " (ok)."
            : "Last backup FAILED " + new Date(backup.lastAt).toLocaleString() + ": " + backup.lastError;
        }
        $("token-form").addEventListener("submit", (e) => { e.preventDefault(); localStorage.setItem("fazt.token", $("token").value.trim()); load(); });
        $("logout").addEventListener("click", () => { localStorage.removeItem("fazt.token"); load(); });
        load().catch((e) => { $("error").textContent = String(e); });
        </script>
        </body>
        </html>

        """#
}
