"""Browser fixtures: Debian's Chromium driven by Playwright, one JupyterLab server per session.

Nothing leaves the machine: sockets of this process may only reach loopback
(the Lab server), and the browser aborts every request that is not for the
Lab server (or, for the course site, for a ``file://`` URL).

One JupyterLab server serves every notebook; each notebook gets its own tab
and kernel, opened and run two notebooks ahead of its tests
(``XPLAB_BROWSER_AHEAD``, default 2; 0 runs one notebook at a time), the
solutions notebooks' tests interleaved with the workbook's.

On a machine without Chromium every browser test skips and says how to get it.
Screenshots go to ``build/browser/`` (or ``$XPLAB_BROWSER_ARTIFACTS``) when a
test fails: the whole notebook after Run All, the exercise the test answered,
the site's page (every notebook, answer and page with
``XPLAB_BROWSER_KEEP_SCREENSHOTS=1``). The folder is kept, and its path
printed, when a browser test fails.
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
AHEAD = int(os.environ.get("XPLAB_BROWSER_AHEAD", "2"))
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
_SITE_TESTS = pytest.StashKey[bool]()


def _notebook_of(item: Any) -> str | None:
    """``folder/name`` of the notebook a test looks at (None: no notebook)."""
    params = getattr(item, "callspec", None)
    for fixture, folder in NOTEBOOK_FIXTURES.items():
        if params is not None and fixture in params.params:
            return f"{folder}/{params.params[fixture]}"
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Interleave the notebooks' tests, and note the order in which they open notebooks.

    Pytest runs the tests of one notebook together (one tab each). The
    workbook's tests answer exercises (waiting on the page, not the CPU); a
    solutions notebook's tests only read its page. So the tests of solutions
    notebook N come after those of workbook notebook N + 1: opened ahead, the
    solutions notebook runs while the workbook's exercises are answered.
    """
    groups: dict[str | None, list[Any]] = {}
    for item in items:
        groups.setdefault(_notebook_of(item), []).append(item)
    others = groups.pop(None, [])
    workbook = [path for path in groups if path.startswith("notebooks/")]
    solutions = [path for path in groups if not path.startswith("notebooks/")]
    order: list[str] = []
    for i, path in enumerate(workbook):
        order.append(path)
        if 1 <= i <= len(solutions):
            order.append(solutions[i - 1])
    order += [path for path in solutions if path not in order]
    items[:] = [item for path in order for item in groups[path]] + others
    config.stash[_ORDER] = order
    config.stash[_SITE_TESTS] = any(item.path.name == "test_site.py" for item in items)


@pytest.fixture(scope="session")
def notebook_tabs(request, lab, lab_context) -> Iterator[Any]:
    """The notebooks' tabs, each opened (and run) ``AHEAD`` notebooks ahead of its tests."""
    tabs = Pipeline(lab_context, lab, request.config.stash.get(_ORDER, []), ahead=AHEAD)
    yield tabs
    tabs.close()


@pytest.fixture(scope="session", autouse=True)
def site_build(request, tmp_path_factory) -> Iterator[Any]:
    """The part of the course site the site tests open, built in the background from the
    session's start (it overlaps the notebooks' runs); None when those tests are not selected,
    a site is given (``XPLAB_SITE_DIR``), there is no Chromium or no Jupyter Book."""
    from .test_site import SubsetBuild, can_build

    wanted = request.config.stash.get(_SITE_TESTS, False)
    if not wanted or os.environ.get("XPLAB_SITE_DIR") or not os.access(CHROMIUM, os.X_OK):
        yield None
    elif not can_build():
        yield None
    else:
        build = SubsetBuild(tmp_path_factory.mktemp("site") / "html")
        yield build
        build.stop()


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
