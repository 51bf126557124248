import Testing

/// The dashboard's sign-in in headless Chromium, through `scripts/dashboard-browser.py` and
/// Selenium with a virtual authenticator: password, cookie attributes, adding a passkey and signing
/// in with it, signing out everywhere, and no console errors. Screenshots go to
/// `$DASHBOARD_SCREENSHOTS` when set.
@Suite struct DashboardBrowserTests {
    @Test(.enabled(if: BrowserScript.enabled, "\(BrowserScript.missing ?? "")"), .timeLimit(.minutes(3)))
    func signsInWithPasswordAndPasskeyAndSignsOutEverywhere() throws {
        try BrowserScript.run("dashboard-browser.py", checks: ["password", "cookie", "passkey", "signout", "console"])
    }
}
