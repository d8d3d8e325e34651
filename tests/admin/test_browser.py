"""The console in a real headless Chromium (Debian's chromium + chromium-driver, driven by selenium).

Without the browser these tests skip, unless ``LMS_GATEWAY_REQUIRE_BROWSER=1`` (``.ci/run`` sets it),
which makes a missing browser a failure.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests
from requests_oauthlib import OAuth1

from tests.admin.conftest import SOAP_HEADERS, read_result
from tests.servers import running_gateway

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("LMS_GATEWAY_REQUIRE_BROWSER") == "1":
            pytest.fail("LMS_GATEWAY_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed")
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="lms-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def _row_with(driver, text: str):
    """(row text, its link) of the first journal row showing ``text``, or None (also when the
    refresh replaced the rows while they were read)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        for row in driver.find_elements(By.CSS_SELECTOR, "#journal-rows tr"):
            if text in row.text:
                return row.text, row.find_element(By.TAG_NAME, "a").get_attribute("href")
    except StaleElementReferenceException:
        pass
    return None


def _links(driver):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#journal-rows tr a")] or None
    except StaleElementReferenceException:
        return None


def _text_of(driver, element_id: str):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.ID, element_id).text or None
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def _read(base: str) -> requests.Response:
    auth = OAuth1("49201", "secret", force_include_body=True)
    return requests.post(f"{base}/api/soap/1p0/lis-result", data=read_result("49313814"), headers=SOAP_HEADERS, auth=auth)


def test_console_shows_a_call_and_a_fault_added_from_the_page_answers_the_next(browser, store_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    started = time.perf_counter()
    with running_gateway(store_url, "--demo") as (base, _):
        browser.get(base + "/")
        assert browser.current_url == base + "/__admin/"
        assert "49201" in browser.find_element(By.ID, "demo").text

        assert "fullsuccess" in _read(base).text
        # the page refreshes itself: the call appears without a reload (rows are replaced every 2 s,
        # so what is read from one is read in the same step that finds it)
        text, link = _wait(browser, lambda d: _row_with(d, "readResult"))
        assert "accepted" in text and "success/fullsuccess" in text
        browser.get(link)
        assert "accepted" in _wait(browser, lambda d: _text_of(d, "oauth"))
        assert "readResultResponse" in browser.find_element(By.ID, "response-body").text

        browser.get(base + "/__admin/")
        form = browser.find_element(By.ID, "add-fault")
        Select(form.find_element(By.NAME, "protocol")).select_by_visible_text("lis")
        form.find_element(By.NAME, "operation").send_keys("readResult")
        form.find_element(By.NAME, "times").send_keys("1")
        form.find_element(By.NAME, "code_minor").send_keys("targetisbusy")
        form.find_element(By.ID, "add-fault-button").click()
        assert "added" in _wait(browser, lambda d: _text_of(d, "message"))
        assert "targetisbusy" in browser.find_element(By.ID, "rules").text

        answer = _read(base)
        assert answer.status_code == 200 and "targetisbusy" in answer.text
        _wait(browser, lambda d: _row_with(d, "failure/targetisbusy"))
        assert "fullsuccess" in _read(base).text  # the rule was for one call
    print(f"browser test ran in {time.perf_counter() - started:.1f} s")


def test_screenshots_of_the_console(browser, store_url, tmp_path_factory):
    folder = Path(os.environ.get("LMS_GATEWAY_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    with running_gateway(store_url, "--demo") as (base, _):
        _read(base)
        requests.post(f"{base}/api/soap/1p0/lis-result", data=read_result(), headers=SOAP_HEADERS,
                      auth=OAuth1("49201", "wrong-secret", force_include_body=True))
        browser.get(base + "/__admin/")
        browser.save_screenshot(str(folder / "console.png"))
        for n, link in enumerate(_wait(browser, _links)):
            browser.get(link)
            browser.save_screenshot(str(folder / f"entry-{n}.png"))
    shots = sorted(folder.glob("*.png"))
    assert len(shots) == 3 and all(p.stat().st_size > 5000 for p in shots)
    print(f"screenshots: {folder}")
