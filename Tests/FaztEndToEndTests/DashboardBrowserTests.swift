import Testing

/// The dashboard in headless Chromium, through `scripts/dashboard-browser.py` and Selenium with a
/// virtual authenticator: password sign-in and the cookie's attributes, roll back, a live log line,
/// KV and SQL, restore with data, deploying a picked folder and
/// following its link, a scoped token with its MCP line, adding a passkey and signing in with it, signing
/// out everywhere, and no console errors. Screenshots go to
/// `$DASHBOARD_SCREENSHOTS` when set.
@Suite struct DashboardBrowserTests {
    @Test(.enabled(if: BrowserScript.enabled, "\(BrowserScript.missing ?? "")"), .timeLimit(.minutes(3)))
    func signInRollBackLogsStorageTokensPasskeysAndSignOut() throws {
        try BrowserScript.run(
            "dashboard-browser.py",
            checks: [
                "budget", "password", "cookie", "traffic", "rollback", "diff", "files", "server", "logs", "storage",
                "restore",
                "deploy", "link",
                "token",
                "passkey",
                "signout", "console",
            ]
        )
    }
}
