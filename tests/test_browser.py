"""What a person sees, in a real browser: headless Chromium (Debian's ``chromium``), driven through its
``chromedriver`` (Debian's ``chromium-driver``) by Selenium, over a real ``lodfilm serve`` on 127.0.0.1.

Each case opens a page as a person would, checks the text they read, that every link on it leads somewhere
(links to this site are fetched, ``#fragment`` links must name an element of the page), that every image loaded,
and that the browser's console holds no error — a Content-Security-Policy violation, a script that ran, an image or
favicon that did not load all show there — then does what the person does next (types a search, clicks a link,
runs an example query) and checks the page that follows the same way. One screenshot of each page is kept in the
run's temporary folder, printed at the end of the module.

To add a case (a faceted ``/films`` once facets land, a query's results as a table): a :class:`Case` in
``CASES`` — the page, the text it shows, and optionally a step and the text after it.

These are the only tests that may skip: where no Chromium or chromedriver is installed, with the reason. Under CI
(``CI`` set, as ``.ci/run`` runs) a missing browser is a failure, since ``.ci/run`` installs it.

Nothing leaves this machine: the browser resolves every host name but 127.0.0.1 to nothing, runs with no
background networking, and only links to this server are followed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import DATA
from tests.test_server import fetch, free_port, lodfilm, stop

# As the machine notes say Chromium must run here: headless, no sandbox (root), no GPU, nothing fetched in the
# background, a fresh profile each run; and every host name but 127.0.0.1 resolved to nothing.
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--disable-default-apps", "--disable-extensions", "--window-size=1280,1000", "--lang=en",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
WAIT = 30  # seconds a page or a step may take before the case fails (a loaded machine, two cores)

HOSTILE = "</script><script>document.title='pwned'</script> <b>bold</b> <img src=x onerror=alert(1)>"


def chromium() -> tuple[str, str]:
    """The browser and its driver, or the reason to skip (a failure under CI, which installs them)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    missing = " and ".join(name for name, found in (("chromium", browser), ("chromedriver", driver)) if not found)
    reason = (f"no {missing} on PATH: install Debian's chromium and chromium-driver "
              "(apt-get install chromium chromium-driver) to run the browser tests")
    if os.environ.get("CI"):
        pytest.fail(f"CI runs the browser tests, but {reason}")
    pytest.skip(reason)


# -- the server ----------------------------------------------------------------------------------------------------


@dataclass
class Site:
    base: str  # http://127.0.0.1:PORT/

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


def records(base: str) -> list[dict[str, Any]]:
    """What ``data/`` lacks for a person's eyes: a film with an image (on this server, so the browser loads it
    without leaving 127.0.0.1), emphasis in its synopsis, and markup in its text that must stay text."""
    return [{
        "title": "Picture Film", "year": 2003, "directors": ["Mia Holm"], "countries": ["Denmark"],
        "runtime_minutes": 88, "image": f"{base}static/favicon.svg",
        "synopsis": f"A *quiet* story about **light**. {HOSTILE}",
        "cast": [{"name": "Ole Dam", "character": HOSTILE}],
    }]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    chromium()  # no server to start where no browser will look at it
    root = tmp_path_factory.mktemp("browser")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    extra = root / "records"
    extra.mkdir()
    (extra / "picture.json").write_text(json.dumps(records(base), ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODFILM_")}
    store = root / "store"
    imported = subprocess.run(lodfilm("import", "--store", store, "--base", base, "--no-progress", DATA, extra),
                              capture_output=True, text=True, env=env, timeout=300)
    assert imported.returncode == 0, imported.stderr
    log = root / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            lodfilm("serve", "--store", store, "--base", base, "--host", "127.0.0.1", "--port", port),
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"lodfilm serve exited:\n{log.read_text()}"
            try:
                if fetch(base, timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"lodfilm serve did not answer within 60 s:\n{log.read_text()}"
            time.sleep(0.1)
        yield Site(base)
    finally:
        stop(process)


# -- the browser ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The run's folder for one screenshot per page, printed when the module is done (past pytest's capture)."""
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    shots = sorted(folder.glob("*.png"))
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nbrowser screenshots, one per page ({len(shots)}): {folder}")


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[WebDriver]:
    binary, driver_path = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary  # with the driver's path given too, Selenium Manager never runs
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="lodfilm-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# -- what a person checks on each page --------------------------------------------------------------------------


@dataclass
class Checked:
    """Links already fetched in this run (many pages share their header's and footer's)."""

    urls: dict[str, int]


@pytest.fixture(scope="module")
def checked() -> Checked:
    return Checked({})


def console_errors(driver: WebDriver) -> list[str]:
    """The errors the console got since the last call (CSP violations, failed loads, script errors)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def text_of(driver: WebDriver) -> str:
    """What a person reads: the rendered text of the page (hidden elements and markup excluded)."""
    return " ".join(driver.find_element(By.TAG_NAME, "body").text.split())


def look_at(driver: WebDriver, site: Site, checked: Checked, screenshots: Path, name: str,
            shows: tuple[str, ...], hides: tuple[str, ...] = ()) -> None:
    """Check the page the browser is on as a person would, and keep its screenshot."""
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")
    shot = screenshots / f"{name}.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 0
    name = f"{name} (screenshot {shot})"
    text = text_of(driver)
    missing = [expected for expected in shows if expected not in text]
    assert not missing, f"{name}: {driver.current_url} does not show {missing}; it shows: {text[:1500]}"
    shown = [unwanted for unwanted in hides if unwanted in text]
    assert not shown, f"{name}: {driver.current_url} shows {shown}"
    broken = driver.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == [], f"{name}: images that did not load: {broken}"
    here, _ = urldefrag(driver.current_url)
    ids = set(driver.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)"))
    hrefs: list[str] = driver.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    for href in hrefs:
        url, fragment = urldefrag(href)
        if url == here and fragment:
            assert fragment in ids, f"{name}: a link to #{fragment}, which names nothing on the page"
        elif href.startswith(site.base) and url not in checked.urls:
            checked.urls[url] = fetch(url, headers={"Accept": "text/html,*/*;q=0.8"}).status
        if href.startswith(site.base):
            assert checked.urls.get(url, 200) == 200, f"{name}: the link {url} answers {checked.urls[url]}"
        else:  # links elsewhere are only looked at, never followed: nothing leaves 127.0.0.1
            assert urlsplit(href).scheme in ("http", "https", "mailto"), f"{name}: a link to {href}"
    errors = console_errors(driver)
    assert errors == [], f"{name}: the console has errors: {errors}"


def wait_for_new_page(driver: WebDriver, old: WebElement) -> None:
    """Wait until ``old`` (the last page's ``html``) has left the document. Asked of an element the page is being
    replaced under, chromedriver now and then answers with an inspector error ("Node with given id does not belong
    to the document") instead of a stale element reference: the same news, which selenium's ``staleness_of`` does
    not take as such, so it failed a step that had in fact led to its page."""
    def gone(_: WebDriver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in (exc.msg or ""):
                return True
            raise
        return False

    WebDriverWait(driver, WAIT).until(gone)


def click_link(text: str) -> Callable[[WebDriver], None]:
    """Click the first link whose text is ``text`` (as a person would, scrolled into view) and wait for the
    page it leads to."""
    def step(driver: WebDriver) -> None:
        link = driver.find_element(By.LINK_TEXT, text)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        old = driver.find_element(By.TAG_NAME, "html")
        link.click()
        wait_for_new_page(driver, old)
    return step


def search_for(words: str) -> Callable[[WebDriver], None]:
    """Type ``words`` into the search box in the page's header and press Enter."""
    def step(driver: WebDriver) -> None:
        box = driver.find_element(By.CSS_SELECTOR, "header input[type=search]")
        old = driver.find_element(By.TAG_NAME, "html")
        box.send_keys(words, Keys.ENTER)
        wait_for_new_page(driver, old)
    return step


def then(*steps: Callable[[WebDriver], None]) -> Callable[[WebDriver], None]:
    def step(driver: WebDriver) -> None:
        for one in steps:
            one(driver)
    return step


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # the page opened first
    shows: tuple[str, ...]  # text a person reads there
    step: Callable[[WebDriver], None] | None = None  # what they do next
    then_shows: tuple[str, ...] = ()  # and read on the page that follows
    hides: tuple[str, ...] = ()  # text that must not be seen on either (markup that should be rendered)

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("home", "/", ("lodfilm", "131 films", "people", "organisations", "countries", "SPARQL"),
         click_link("Films"), ("Films",)),
    Case("film", "/film/illegal-2010",
         ("Illégal (2010)", "Directed by Olivier Masset-Depasse", "Countries Belgium, France, Luxembourg",
          "Runtime 95 min", "Prize LUX Prize 2010 — finalist", "Synopsis", "Anne Coesens — Tania",
          "Cinematography Tommaso Fiorilli", "World sales", "34 rue du Louvre", "Facts and their sources"),
         click_link("Olivier Masset-Depasse"), ("Olivier Masset-Depasse", "Chambre froide", "Illégal (2010)"),
         hides=("*Chambre froide*",)),  # emphasis as emphasis
    Case("film-with-image", "/film/picture-film-2003",
         ("Picture Film (2003)", "A quiet story about light.", HOSTILE, f"Ole Dam — {HOSTILE}"),
         click_link("Denmark"), ("Denmark", "Picture Film (2003)"), hides=("*quiet*", "**light**", "Credits")),
    # /films, faceted once facets land: add the filters to the path and their counts to what it shows
    Case("films", "/films", ("Films", "4 luni, 3 săptămâni şi 2 zile"),
         click_link("4 luni, 3 săptămâni şi 2 zile"), ("Cristian Mungiu", "Romania"), hides=("Credits",)),
    Case("search", "/", ("lodfilm",),
         then(search_for("Masset"), click_link("Olivier Masset-Depasse")), ("Olivier Masset-Depasse", "Cages")),
    # the query page's first example, run in one click as a person runs it: its answer as a table
    Case("query", "/sparql", ("SPARQL", "Films and their directors"),
         click_link("Run"), ("Answer", "100 rows.", "?title ?year ?director", "Fatih Akin", "The same answer as CSV",
                             "SPARQL JSON")),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_person_sees(case: Case, browser: WebDriver, site: Site, checked: Checked, screenshots: Path) -> None:
    console_errors(browser)  # what an earlier case left
    browser.get(site.url(case.path))
    look_at(browser, site, checked, screenshots, case.name, case.shows, case.hides)
    if case.step is not None:
        try:
            case.step(browser)
        except TimeoutException:
            pytest.fail(f"{case.name}: the step did not lead to a new page within {WAIT} s ({browser.current_url})")
        look_at(browser, site, checked, screenshots, f"{case.name}-then", case.then_shows, case.hides)


def run_in_the_box(query: str) -> Callable[[WebDriver], None]:
    """Replace the query in the query page's box with ``query`` (typed, as a person would) and press Run."""
    def step(driver: WebDriver) -> None:
        box = driver.find_element(By.CSS_SELECTOR, "form.query textarea[name=query]")
        box.clear()
        box.send_keys(query)
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.query button[type=submit]").click()
        wait_for_new_page(driver, old)
    return step


def cells(driver: WebDriver) -> list[list[str]]:
    return [[td.text for td in row.find_elements(By.TAG_NAME, "td")]
            for row in driver.find_elements(By.CSS_SELECTOR, "table.results tbody tr")]


def test_a_person_writes_a_query_and_reads_its_answer_as_a_table(browser: WebDriver, site: Site, checked: Checked,
                                                                 screenshots: Path) -> None:
    console_errors(browser)
    browser.get(site.url("/sparql"))
    query = 'SELECT ?title ?synopsis WHERE { ?f schema:name ?title ; schema:description ?synopsis ' \
            'FILTER(?title = "Picture Film") }'
    run_in_the_box(query)(browser)
    look_at(browser, site, checked, screenshots, "query-typed", ("Answer", "1 row.", "?title ?synopsis", HOSTILE))
    assert cells(browser) == [["Picture Film", f"A *quiet* story about **light**. {HOSTILE}"]]
    assert browser.title == "SPARQL — lodfilm"  # the record's script did not run
    assert browser.find_elements(By.CSS_SELECTOR, "main b, main img[src=x]") == []
    # the box keeps the query, and the address is the answer's to share
    assert browser.find_element(By.CSS_SELECTOR, "form.query textarea").get_attribute("value") == query
    assert "/sparql?query=" in browser.current_url
    run_in_the_box("ASK { ?f schema:name \"Picture Film\" }")(browser)
    look_at(browser, site, checked, screenshots, "query-ask", ("Answer", "Yes"))
    # a mistake: the page says what is wrong, under the status a program gets (the one error the console shows)
    run_in_the_box("SELECT ?x WHERE { ?x")(browser)
    browser.save_screenshot(str(screenshots / "query-error.png"))
    text = text_of(browser)
    assert "400 Bad request" in text and "malformed query" in text, text[:500]
    assert browser.find_element(By.CSS_SELECTOR, "form.query textarea").get_attribute("value") == "SELECT ?x WHERE { ?x"
    errors = console_errors(browser)
    assert len(errors) == 1 and "status of 400" in errors[0] and "/sparql?query=" in errors[0], errors


@pytest.mark.parametrize("path", ["/", "/films?country=DK"], ids=["home", "films-filtered"])
def test_the_charts_show_as_images(path: str, browser: WebDriver, site: Site, checked: Checked,
                                   screenshots: Path) -> None:
    console_errors(browser)
    browser.get(site.url(path))
    name = "charts-" + ("home" if path == "/" else "films")
    look_at(browser, site, checked, screenshots, name, ("Films per year", "Co-production countries"))
    images = browser.find_elements(By.CSS_SELECTOR, "figure.chart img")
    assert len(images) == 2
    for image in images:
        browser.execute_script("arguments[0].scrollIntoView()", image)
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
        assert image.size["width"] > 200 and image.size["height"] > 50, image.size
    if path != "/":
        assert all("country=DK" in (image.get_attribute("src") or "") for image in images)


def test_the_films_image_is_shown_at_a_sensible_size_with_its_alt_text(browser: WebDriver, site: Site) -> None:
    browser.get(site.url("/film/picture-film-2003"))
    image = browser.find_element(By.CSS_SELECTOR, "figure.film-image img")
    assert image.get_attribute("alt") == "Image of Picture Film (2003)"
    assert browser.execute_script("return arguments[0].naturalWidth", image) > 0
    width, height = image.size["width"], image.size["height"]
    assert 32 <= width <= 16 * 16 and 32 <= height <= 24 * 16, image.size  # at most 16rem × 24rem
    assert console_errors(browser) == []


def test_record_markup_never_runs_in_the_browser(browser: WebDriver, site: Site) -> None:
    browser.get(site.url("/film/picture-film-2003"))
    assert browser.title == "Picture Film (2003) — lodfilm"  # the record's script did not set it
    assert browser.find_elements(By.CSS_SELECTOR, "main b, main img[src=x]") == []
    assert [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".synopsis em, .synopsis strong")] == [
        "quiet", "light"]
    assert console_errors(browser) == []
