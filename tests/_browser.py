"""The headless Chromium that the browser tests share (the stepper page, the live page)."""

import os
import shutil
import tempfile

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
BROWSER_OPTIONS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run")


def headless_chromium(page):
    """Yield a selenium driver of headless Chromium; skip (saying what to install) when
    chromium, chromedriver or graphviz's `dot`, which `page` needs, is missing."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        pytest.skip(f"headless browser test needs chromium and chromedriver, missing: {missing} "
                    f"(sudo apt-get install chromium chromium-driver)")
    if shutil.which("dot") is None:
        pytest.skip(f"{page} needs graphviz's `dot` (sudo apt-get install graphviz)")
    profile = tempfile.mkdtemp(prefix="tinygrad_edu_chromium_")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in BROWSER_OPTIONS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
