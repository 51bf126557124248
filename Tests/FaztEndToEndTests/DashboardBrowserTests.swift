import Testing

/// The dashboard in headless Chromium, through `scripts/dashboard-browser.py` and Selenium with a
/// virtual authenticator: password sign-in and the cookie's attributes, the live inbox and recent
/// deploys, roll back, every app tab, a write-only secret, a live log line, KV, a collection query,
/// SQL and a blob download, a socket in the realtime tab, restore with data, deploying a picked folder and
/// following its link, a scoped token with its MCP line, adding a passkey and signing in with it, signing
/// out everywhere, a backup download, and no console errors. Screenshots go to
/// `$DASHBOARD_SCREENSHOTS` when set.
@Suite struct DashboardBrowserTests {
    @Test(.enabled(if: BrowserScript.enabled, "\(BrowserScript.missing ?? "")"), .timeLimit(.minutes(3)))
    func signInRollBackLogsStorageTokensPasskeysAndSignOut() throws {
        try BrowserScript.run(
            "dashboard-browser.py",
            checks: [
                "budget", "password", "cookie", "traffic", "inbox", "rollback", "diff", "files", "server-tabs",
                "budget-edit", "secret",
                "server", "logs", "storage", "realtime", "restore",
                "deploy", "link", "archive", "mobile", "keyboard",
                "token", "backup",
                "passkey",
                "signout", "console",
            ]
        )
    }
}
