import Testing

/// The assistant template (`fazt create NAME --template assistant`) in headless Chromium, through
/// `scripts/assistant-browser.py` and Selenium: a streamed answer, a reload mid-answer, a refused
/// origin, the hand-off and the owner's reply. Screenshots go to `$ASSISTANT_SCREENSHOTS` when set
/// (`ASSISTANT_SCREENSHOTS=docs/screenshots` refreshes the committed ones).
@Suite struct AssistantBrowserTests {
    @Test(.enabled(if: BrowserScript.enabled, "\(BrowserScript.missing ?? "")"), .timeLimit(.minutes(5)))
    func widgetStreamsSurvivesReloadRefusesOtherOriginsAndHandsOff() throws {
        try BrowserScript.run("assistant-browser.py", checks: ["answer", "reload", "evil", "handoff"])
    }
}
