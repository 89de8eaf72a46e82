"""The course site (``make site``) read offline: math renders with every request but file:// aborted.

The site is looked for in ``$XPLAB_SITE_DIR``, then in ``build/site``,
``_build/html`` and ``book/_build/html``; the test skips, saying so, when none
holds an ``index.html``. Three pages are opened: pages with formulas first
(the notebooks), then the start page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .labpage import REPO
from .pagecheck import raw_math

pytestmark = pytest.mark.browser

SITE_CANDIDATES = ("build/site", "_build/html", "book/_build/html")
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


def site_dir() -> Path | None:
    candidates = [os.environ.get("XPLAB_SITE_DIR", "")] + [str(REPO / c) for c in SITE_CANDIDATES]
    for candidate in candidates:
        if candidate and (Path(candidate) / "index.html").is_file():
            return Path(candidate)
    return None


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
def site() -> Path:
    root = site_dir()
    if root is None:
        looked = ", ".join(["$XPLAB_SITE_DIR", *SITE_CANDIDATES])
        pytest.skip(f"the course site is not built (run `make site`; looked in {looked})")
    return root


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
        shot = artifacts / f"site-{path.relative_to(site).as_posix().replace('/', '-')}.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    where = f"{path.relative_to(site)} (screenshot: {shot}; requests aborted: {aborted[:5]})"
    assert state["typeset"] == state["maths"], (
        f"{state['maths'] - state['typeset']} of {state['maths']} formulas not typeset in {where}"
    )
    assert not state["errors"], f"MathJax reports {state['errors']} error(s) in {where}"
    left = raw_math(state["text"])
    assert not left, f"raw TeX on the page {where}: {left[:5]}"
