"""The course site (``make site``) read offline: math renders with every request but file:// aborted.

The site under test is ``$XPLAB_SITE_DIR`` when set (a full ``make site``
build, say ``build/site``); otherwise the test builds a fresh part of it, as
``tests/site`` does (``book/build_site.py --chapters ... --modules ...``):
the chapters with the most formulas and the reference of ``xplab.abtest``,
about 20 s of Jupyter Book on two idle cores, started in the background when
the session starts (``conftest.site_build``). It skips, saying why, only when
Jupyter Book is not installed. Three pages are opened: pages with formulas
first (the notebooks), then the start page.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .labpage import KEEP_SCREENSHOTS, REPO
from .pagecheck import raw_math

pytestmark = pytest.mark.browser

# the part of the site built when no site is given: chapters and a reference page with math
SUBSET_CHAPTERS = ("01_button_color_test", "06_cold_start_news")
SUBSET_MODULES = ("xplab.abtest",)
PAGES = 3
# what Sphinx writes around a formula (MyST dollarmath, :math:, notebook Markdown)
MATH_MARK = re.compile(r'class="math[ "]')
# every element MathJax 2 or 3 writes for a typeset formula
RENDERED = ".MathJax_Display, .MathJax, .MathJax_CHTML, .MathJax_SVG, mjx-container"

_PAGE_STATE = f"""() => {{
  const maths = [...document.querySelectorAll('.math')];
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('{RENDERED}, script, style, code, pre, .MathJax_Preview').forEach(e => e.remove());
  return {{
    maths: maths.length,
    typeset: maths.filter(m => m.querySelector('{RENDERED}')).length,
    errors: document.querySelectorAll('.MathJax_Error, merror, mjx-merror').length
      + (document.body.innerText.includes('Math Processing Error') ? 1 : 0),
    text: copy.innerText,
  }};
}}"""


class SubsetBuild:
    """``book/build_site.py`` building the chapters and reference pages with math into ``out``,
    in the background (no network: a proxy that refuses every connection, as ``tests/site``
    does). The browser session starts it first, so that it overlaps the notebooks' runs."""

    def __init__(self, out: Path) -> None:
        self.out = out
        refuse = "http://127.0.0.1:9"
        env = dict(os.environ, HTTP_PROXY=refuse, HTTPS_PROXY=refuse, ALL_PROXY=refuse, NO_PROXY="")
        self.command = [sys.executable, str(REPO / "book" / "build_site.py"), "--out", str(out)]
        self.command += ["--chapters", *SUBSET_CHAPTERS, "--modules", *SUBSET_MODULES]
        self.command += ["--no-check"]
        self.log = out.parent / "build.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
            )

    def wait(self) -> Path:
        """The built site, once the build has finished (fails with its log if it did not)."""
        returncode = self.process.wait()
        assert returncode == 0, (
            f"{' '.join(self.command)} failed:\n{self.log.read_text(errors='replace')[-6000:]}"
        )
        return self.out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def can_build() -> bool:
    return importlib.util.find_spec("jupyter_book") is not None


def pages_to_open(root: Path) -> list[Path]:
    with_math = [
        p
        for p in sorted(root.rglob("*.html"))
        if "_static" not in p.parts and MATH_MARK.search(p.read_text(errors="replace"))
    ]
    notebooks = [p for p in with_math if re.match(r"\d\d_", p.name)]
    chosen = (notebooks + [p for p in with_math if p not in notebooks])[:PAGES]
    if len(chosen) < PAGES and root / "index.html" not in chosen:
        chosen.append(root / "index.html")
    return chosen


@pytest.fixture(scope="module")
def site(chromium, site_build) -> Path:  # no Chromium: skip before building
    given = os.environ.get("XPLAB_SITE_DIR")
    if given:
        if not (Path(given) / "index.html").is_file():
            pytest.fail(f"XPLAB_SITE_DIR={given} holds no index.html (run `make site`)")
        return Path(given)
    if site_build is None:
        pytest.skip("Jupyter Book is not installed: the course site cannot be built")
    return site_build.wait()


def test_site_has_math(site):
    """The notebooks' formulas reach the site (else the next test has nothing to check)."""
    pages = pages_to_open(site)
    assert any(MATH_MARK.search(p.read_text(errors="replace")) for p in pages), (
        f"no page of the site at {site} holds a formula, though the notebooks do"
    )


@pytest.mark.parametrize("which", range(PAGES))
def test_site_math_renders_offline(which, site, browser, artifacts):
    """With the network cut, MathJax (served by the site itself) typesets every formula."""
    pages = pages_to_open(site)
    if which >= len(pages):
        pytest.skip(f"the site has only {len(pages)} page(s) to open")
    path = pages[which]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    aborted: list[str] = []

    def files_only(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    context.route("**/*", files_only)
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        # MathJax typesets after the load event: wait until every formula is typeset (or time out)
        try:
            page.wait_for_function(
                f"() => {{ const s = ({_PAGE_STATE})(); return s.typeset === s.maths; }}",
                timeout=60_000,
                polling=250,
            )
        except Exception:  # reported below with what the page shows
            pass
        state = page.evaluate(_PAGE_STATE)
        problems = []
        if state["typeset"] != state["maths"]:
            missing = state["maths"] - state["typeset"]
            problems.append(f"{missing} of {state['maths']} formulas not typeset")
        if state["errors"]:
            problems.append(f"MathJax reports {state['errors']} error(s)")
        left = raw_math(state["text"])
        if left:
            problems.append(f"raw TeX on the page: {left[:5]}")
        shot = artifacts / f"site-{path.relative_to(site).as_posix().replace('/', '-')}.png"
        if problems or KEEP_SCREENSHOTS:  # a full-page screenshot takes seconds
            page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    where = f"{path.relative_to(site)} (screenshot: {shot}; requests aborted: {aborted[:5]})"
    assert not problems, "; ".join(problems) + f" in {where}"
