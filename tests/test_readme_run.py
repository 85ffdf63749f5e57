"""The README's run command, as a newcomer runs it (issue 13, point 7): read out of README.md, run as written in a
fresh clone of this repository from that folder (pip installs from the registries), then, from the address the
server prints, every link on the home page and on ``/dumps/`` answers 200, and the search and query forms are
submitted as a browser would: the form's action and method resolved against the page's address, the page's
``Content-Security-Policy: form-action`` checked first.

Port 8080 may be taken where the tests run: the server is pointed at a free port with ``LODFILM_PORT``, the
variable the README documents for that (the command itself is run exactly as written).
"""

from __future__ import annotations

import html.parser
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
import pytest

from tests.conftest import ROOT
from tests.test_server import Reply, fetch, free_port

INSTALL_SECONDS = 900  # a fresh venv and pip install -e . from the registries, on a slow machine


def run_command() -> str:
    """The README's run command: the shell block right after "Run it"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^Run it\b.*?```sh\n(.*?)\n```", readme, flags=re.S | re.M)
    assert found, "README.md has no 'Run it' command"
    return found.group(1).strip()


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    selects: dict[str, str] = field(default_factory=dict)


class Page(html.parser.HTMLParser):
    """What a browser follows on a page: link targets, and forms with their fields' first values."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("a", "link") and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "textarea" and self.forms:
            self._textarea = a.get("name")
            self.forms[-1].fields[a["name"]] = ""
        elif tag == "select" and self.forms:
            self._select = a.get("name")
        elif tag == "option" and self._select and self._select not in self.forms[-1].selects:
            self.forms[-1].selects[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.forms[-1].fields[self._textarea] += data


def parse(reply: Reply) -> Page:
    page = Page()
    page.feed(reply.text)
    return page


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def form_action_allows(csp: str, page_url: str, target: str) -> bool:
    """Whether ``Content-Security-Policy``'s form-action lets the page at ``page_url`` submit to ``target``
    (lodfilm's policy uses ``'self'`` only: the same origin)."""
    directives = {d.strip().split(" ", 1)[0]: d.strip().split(" ")[1:] for d in csp.split(";") if d.strip()}
    sources = directives.get("form-action")
    if sources is None:
        return True
    return "'self'" in sources and origin(target) == origin(page_url)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The README's run command, as written, in a fresh clone; yields the address it printed."""
    clone = tmp_path_factory.mktemp("newcomer") / "lodfilm"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LODFILM_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["LODFILM_PORT"] = str(free_port())
    log = clone.parent / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(["bash", "-c", run_command()], cwd=clone, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + INSTALL_SECONDS
        address = None
        while address is None:
            assert process.poll() is None, f"the run command exited:\n{log.read_text()[-4000:]}"
            printed = re.search(r"^Serving (http://\S+)", log.read_text(errors="replace"), flags=re.M)
            if printed:
                try:
                    if fetch(printed.group(1), timeout=2).status == 200:
                        address = printed.group(1)
                except OSError:
                    pass
            assert time.monotonic() < deadline, f"no server after {INSTALL_SECONDS} s:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)
        assert urlsplit(address).hostname == "127.0.0.1", address  # nothing but this machine
        assert (clone / "lodfilm-store").is_dir()  # the relative default store, in the folder it was run from
        yield address
    finally:
        # The command's process group (bash, pip's children, lodfilm serve): Ctrl-C, as a user stops it.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            os.killpg(process.pid, sig)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                pass


def follow_every_link(address: str, path: str) -> Page:
    url = urljoin(address, path)
    reply = fetch(url, headers={"Accept": "text/html"})
    assert reply.status == 200, (url, reply.status)
    page = parse(reply)
    assert page.links
    for href in page.links:
        target = urljoin(url, href)
        assert origin(target) == origin(address), f"{href} on {url} leaves the printed address"
        followed = fetch(target, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert followed.status == 200, (href, followed.status, followed.body[:300])
    return page


def test_every_link_on_the_home_page_answers(served: str) -> None:
    follow_every_link(served, "")


def test_every_dump_and_link_on_the_dumps_page_answers(served: str) -> None:
    page = follow_every_link(served, "dumps/")
    dumps = [h for h in page.links if re.search(r"/dumps/lodfilm\.\w+(\.gz)?$", h)]
    assert len(dumps) == 4, page.links


def submit(page_url: str, reply: Reply, form: Form, **values: str) -> Reply:
    target = urljoin(page_url, form.action)
    assert form_action_allows(reply.header("Content-Security-Policy"), page_url, target), (target, page_url)
    fields = {**form.fields, **form.selects, **values}
    assert form.method == "get"
    return fetch(f"{target}?{urlencode(fields)}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})


def test_the_search_forms_find_a_director(served: str) -> None:
    home = fetch(served, headers={"Accept": "text/html"})
    forms = [f for f in parse(home).forms if "q" in f.fields]
    assert len(forms) == 2  # the header's and the home page's own
    for form in forms:
        answer = submit(served, home, form, q="östlund")
        assert answer.status == 200 and "Ruben Östlund" in answer.text


def test_the_query_form_runs_its_example(served: str) -> None:
    page_url = urljoin(served, "sparql")
    page = fetch(page_url, headers={"Accept": "text/html"})
    (form,) = [f for f in parse(page).forms if "query" in f.fields]
    answer = submit(page_url, page, form)
    assert answer.status == 200, answer.body[:300]
    # a browser's form answer is the query page showing the answer as a table (issue 15, point 5)
    assert answer.media_type == "text/html"
    cells = [td.text_content() for td in lxml.html.fromstring(answer.text).iter("td")]
    assert "Olivier Masset-Depasse" in cells


def test_the_run_command_is_the_one_the_readme_shows() -> None:
    assert run_command() == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/lodfilm serve"
    assert Path(ROOT / "README.md").read_text(encoding="utf-8").count("LODFILM_PORT") >= 2
