"""Headless Chromium through Selenium for the browser tests (dashboard, assistant widget): Debian's
chromium and chromedriver, `*.localhost` mapped to loopback, the browser console collected."""


class HeadlessChromium:
    def __init__(self, window="1280,800"):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={window}", "--host-resolver-rules=MAP *.localhost 127.0.0.1"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.logs = []

    def wait(self, condition, seconds=20, message=""):
        """Polls `condition(driver)` every 50 ms until it is truthy (its value), or fails after `seconds`."""
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(condition, message)

    def console(self):
        """Every browser console entry so far."""
        self.logs += self.driver.get_log("browser")
        return self.logs
