"""Browser fixtures: Debian's Chromium driven by Playwright, one JupyterLab server per session.

Nothing leaves the machine: sockets of this process may only reach loopback
(the Lab server), and the browser aborts every request that is not for the
Lab server (or, for the course site, for a ``file://`` URL).

One JupyterLab server serves every notebook; each notebook gets its own tab
and kernel, opened and run one notebook ahead of its tests
(``XPLAB_BROWSER_AHEAD``, default 1; 0 runs one notebook at a time).

On a machine without Chromium every browser test skips and says how to get it.
Screenshots go to ``build/browser/`` (or ``$XPLAB_BROWSER_ARTIFACTS``): each
answered exercise, and the whole notebook after Run All when one of its tests
fails (every notebook with ``XPLAB_BROWSER_KEEP_SCREENSHOTS=1``). The folder
is kept, and its path printed, when a browser test fails.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .labpage import KEEP_SCREENSHOTS, REPO, LabServer, Pipeline, copy_course

CHROMIUM = os.environ.get("XPLAB_CHROMIUM", "/usr/bin/chromium")
# as root in a container: no sandbox; no GPU; and no background connections, which this
# machine's closed network refuses (Chromium then stalls)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(os.environ.get("XPLAB_BROWSER_ARTIFACTS", REPO / "build" / "browser"))
#: Notebooks opened and run ahead of the one under test (0: one at a time).
AHEAD = int(os.environ.get("XPLAB_BROWSER_AHEAD", "1"))
#: Parametrized fixtures that hold one open notebook, and the folder of their notebooks.
NOTEBOOK_FIXTURES = {"workbook": "notebooks", "solutions": "solutions"}
HOW_TO_ENABLE = (
    f"no Chromium at {CHROMIUM}: install Debian's `chromium` and `fonts-noto-color-emoji` "
    "(.ci/run does) or set XPLAB_CHROMIUM to a Chromium executable"
)


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Loopback only (the Lab server); replaces the suite's no-network fixture here."""
    connect = socket.socket.connect

    def loopback_only(self, address):
        if self.family == getattr(socket, "AF_UNIX", None) or _loopback(address):
            return connect(self, address)
        raise OSError(f"browser tests reach only this machine, not {address!r}")

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    lookup = socket.getaddrinfo

    def loopback_lookup(host, *args, **kwargs):  # no DNS query leaves the machine either
        if host is None or _loopback(host.decode() if isinstance(host, bytes) else host):
            return lookup(host, *args, **kwargs)
        raise OSError(f"browser tests look up no host but this machine, not {host!r}")

    monkeypatch.setattr(socket, "getaddrinfo", loopback_lookup)


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(HOW_TO_ENABLE)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    """Chromium, headless, in a new empty profile (Playwright makes one per launch)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


# ---------------------------------------------------------------------------- JupyterLab


@pytest.fixture(scope="session")
def lab(chromium, tmp_path_factory) -> Iterator[Any]:
    """One JupyterLab server for the session, serving a scratch copy of notebooks/ and solutions/."""
    root = tmp_path_factory.mktemp("lab-root")
    copy_course(REPO, root)
    server = LabServer(root, tmp_path_factory.mktemp("lab-home"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lab_context(browser, lab) -> Iterator[Any]:
    """A browser context that reaches the Lab server and nothing else."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    blocked: list[str] = []

    def only_lab(route):
        url = route.request.url
        if url.startswith(lab.base_url + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", only_lab)
    context.blocked = blocked
    yield context
    context.close()


_ORDER = pytest.StashKey[list]()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Note the order in which the selected tests will open notebooks, for opening ahead."""
    order: list[str] = []
    for item in items:
        params = getattr(item, "callspec", None)
        for fixture, folder in NOTEBOOK_FIXTURES.items():
            if params is not None and fixture in params.params:
                path = f"{folder}/{params.params[fixture]}"
                if path not in order:
                    order.append(path)
    config.stash[_ORDER] = order


@pytest.fixture(scope="session")
def notebook_tabs(request, lab, lab_context) -> Iterator[Any]:
    """The notebooks' tabs, each opened (and run) one notebook ahead of its tests."""
    tabs = Pipeline(lab_context, lab, request.config.stash.get(_ORDER, []), ahead=AHEAD)
    yield tabs
    tabs.close()


# ---------------------------------------------------------------------------- artifacts


@pytest.fixture(scope="session")
def artifacts(request) -> Path:
    """The screenshot folder, emptied at the start of a session that uses it."""
    if ARTIFACTS.exists() and (ARTIFACTS / ".xplab-browser").exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / ".xplab-browser").write_text("screenshots of the browser tests\n")
    request.config.stash[_USED] = True
    return ARTIFACTS


_USED = pytest.StashKey[bool]()
_PENDING = pytest.StashKey[dict]()  # what is missing -> what to add (notebook_data's rows)


@pytest.fixture(scope="session")
def pending(request) -> Any:
    """``pending(key, text)``: note a check that waits for a row in notebook_data.py.

    Every such note is printed at the end of the run, in a section of its own,
    whatever the test then does (skips, or runs with a fallback)."""
    notes = request.config.stash.setdefault(_PENDING, {})

    def note(key: str, text: str) -> str:
        notes[key] = text
        return text

    return note


_FAILED = pytest.StashKey[list]()
RUN_TIMES = pytest.StashKey[dict]()  # notebook path -> seconds from Run All to idle


@pytest.fixture(scope="session")
def run_times(request) -> dict[str, float]:
    """Where the notebook fixtures note how long Run All took (printed at the end, not tested)."""
    return request.config.stash.setdefault(RUN_TIMES, {})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and item.get_closest_marker("browser") is not None:
        item.config.stash.setdefault(_FAILED, []).append(item.nodeid)
        for fixture in NOTEBOOK_FIXTURES:  # the whole notebook as it is when a test fails
            ran = getattr(item, "funcargs", {}).get(fixture)
            if ran is not None and report.when == "call":
                ran.capture()
    return report


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if (
        config.stash.get(_USED, False)
        and not config.stash.get(_FAILED, [])
        and not KEEP_SCREENSHOTS
    ):
        shutil.rmtree(ARTIFACTS, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    notes = config.stash.get(_PENDING, {})
    if notes:
        terminalreporter.write_sep(
            "-", f"browser tests: {len(notes)} pending row(s) in tests/browser/notebook_data.py"
        )
        for key in sorted(notes):
            terminalreporter.write_line(f"PENDING {notes[key]}")
    times = config.stash.get(RUN_TIMES, {})
    if times:
        terminalreporter.write_sep("-", "browser: seconds from Run All to an idle kernel")
        for path, seconds in times.items():
            terminalreporter.write_line(f"{seconds:6.1f}  {path}")
    if config.stash.get(_USED, False) and config.stash.get(_FAILED, []):
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(
            f"the notebooks with a failing test, the answered exercises, the site's pages: {ARTIFACTS}"
        )
