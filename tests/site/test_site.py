"""The course site (book/): staging, the offline and link checks, and a real build.

The full site (`make site`) takes one to two minutes on two cores, more with every
chapter, so `make test` builds a subset with the same code: notebooks 00 and
01 (the other chapters become one-line pages, so links to them resolve), the
whole guide, the data page and the reference of `xplab.calculators`. `make
site` runs the same checks on the full build and fails if they fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "book"))

import build_site  # noqa: E402
import check_site  # noqa: E402

# ----------------------------------------------------------------------------- the checks


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


EXTERNAL_HTML = """<html><head>
<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>
<script src="//unpkg.com/thebe@0.8.2/lib/index.js"></script>
<link rel="stylesheet" href="http://fonts.googleapis.com/css?family=Lato">
<link rel="preload" as="font" href="https://example.org/font.woff2">
<style>@import url("https://example.org/theme.css"); body { background: url(//example.org/bg.png) }</style>
<script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>
</head><body>
<img src="https://example.org/badge.svg">
<div style="background-image: url('https://example.org/x.png')"></div>
<a href="https://doi.org/10.1145/2827872">a paper: a link, not a load</a>
<script src="_static/local.js"></script><img src="data:image/png;base64,AAAA">
</body></html>"""

EXTERNAL_CSS = """/* url(https://in.a.comment/is-ignored.woff) */
@import "https://example.org/more.css";
@font-face { font-family: X; src: url(https://example.org/x.woff2) format("woff2"), url(local.woff); }
.a { background: url("../img/local.png") }
"""


def test_every_kind_of_external_load_is_found(tmp_path):
    _write(tmp_path / "page.html", EXTERNAL_HTML)
    _write(tmp_path / "_static" / "theme.css", EXTERNAL_CSS)
    found = check_site.external_resources(tmp_path)
    expected = [
        "page.html: <script> https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
        "page.html: <script> //unpkg.com/thebe@0.8.2/lib/index.js",
        "page.html: <link> http://fonts.googleapis.com/css?family=Lato",
        "page.html: <link> https://example.org/font.woff2",
        "page.html: <style> https://example.org/theme.css",
        "page.html: <style> //example.org/bg.png",
        "page.html: <inline script> https://unpkg.com/thebe@0.8.2/lib/index.js",
        "page.html: <img> https://example.org/badge.svg",
        "page.html: <style attribute> https://example.org/x.png",
        "_static/theme.css: css https://example.org/x.woff2",
        "_static/theme.css: css https://example.org/more.css",
    ]
    assert sorted(found) == sorted(expected)


def test_a_self_contained_page_passes(tmp_path):
    _write(
        tmp_path / "index.html", '<script src="_static/a.js"></script><a href="https://x.org">x</a>'
    )
    _write(tmp_path / "_static" / "a.js", "")
    assert check_site.external_resources(tmp_path) == []
    assert check_site.broken_links(tmp_path) == []
    assert check_site.report(tmp_path) == 0


def test_broken_links_are_found(tmp_path):
    _write(
        tmp_path / "index.html",
        '<h1 id="top">x</h1><a href="#top">ok</a><a href="#nowhere">bad anchor</a>'
        '<a href="guide/page.html#goal">ok</a><a href="guide/page.html#gone">bad anchor</a>'
        '<a href="missing.html">no file</a><a href="../outside.html">outside</a>'
        '<a href="guide/">a folder: its index.html</a><a name="legacy"></a>'
        '<a href="#legacy">ok</a><script src="_static/none.js?v=1"></script>',
    )
    _write(tmp_path / "guide" / "page.html", '<section id="goal"></section>')
    _write(tmp_path / "guide" / "index.html", "<p>guide</p>")
    # themes copy Jinja fragments into _static/: not pages, never checked as such
    _write(
        tmp_path / "_static" / "macros.html", "<script src=\"{{ pathto('x.js', 1) }}\"></script>"
    )
    broken = check_site.broken_links(tmp_path)
    assert broken == [
        "index.html: <a> #nowhere (no id 'nowhere' in the target)",
        "index.html: <a> guide/page.html#gone (no id 'gone' in the target)",
        "index.html: <a> missing.html (no such file)",
        "index.html: <a> ../outside.html (outside the site)",
        "index.html: <script> _static/none.js?v=1 (no such file)",
    ]
    assert check_site.report(tmp_path) == 1


# ----------------------------------------------------------------------------- staging


def _cell(kind, source, tags=(), outputs=()):
    cell = {"cell_type": kind, "metadata": {"tags": list(tags)}, "source": source}
    if kind == "code":
        cell["outputs"] = list(outputs)
    return cell


def test_site_notebook_folds_solutions_and_hints_and_hides_checks():
    widget = {
        "output_type": "display_data",
        "data": {build_site.WIDGET_VIEW: {}, "text/plain": "VBox()"},
    }
    figure = {
        "output_type": "display_data",
        "data": {"image/png": "AAAA", "text/plain": "<Figure>"},
    }
    nb = {
        "cells": [
            _cell("markdown", "# 01 · Title"),
            _cell("code", "answer = 1", ["solution"]),
            _cell("code", "ex.q1.check(answer)"),
            _cell("code", "ex.q1.assert_incorrect(2)", ["solution-only", "remove-cell"]),
            _cell("code", "def helper(): ...\nex.q2.assert_incorrect(helper)", ["solution-only"]),
            _cell("code", "ex.q1.hint()"),
            _cell("code", "calculators.power_calculator()", outputs=[widget, figure]),
        ],
        "metadata": {"widgets": {"state": {}}, "kernelspec": {"name": "python3"}},
    }
    before = json.dumps(nb)
    page = build_site.site_notebook(nb)
    assert json.dumps(nb) == before  # the solution notebook itself is not touched
    cells = page["cells"]
    assert "hide-input" in cells[1]["metadata"]["tags"]
    assert cells[1]["metadata"]["mystnb"]["code_prompt_show"] == "Show the solution"
    assert cells[2]["metadata"]["tags"] == []
    assert "remove-cell" in cells[3]["metadata"]["tags"]
    assert "remove-cell" in cells[4]["metadata"]["tags"]
    assert "hide-output" in cells[5]["metadata"]["tags"]
    assert cells[5]["metadata"]["mystnb"]["code_prompt_show"] == "Show the hint"
    assert cells[6]["outputs"] == [figure]
    assert "widgets" not in page["metadata"] and page["metadata"]["kernelspec"]


def test_links_point_at_the_staged_pages(tmp_path):
    _write(tmp_path / "benchmarks" / "bench.py", "")
    staged = {Path("index.md"), Path("solutions/01_a.ipynb"), Path("data/README.md")}
    text = (
        "[01](notebooks/01_a.ipynb) [data](data/README.md#licence) [bench](benchmarks/bench.py) "
        "[web](https://example.org) [here](#top) ![img](notebooks/01_a.ipynb) [gone](nothing.md)"
    )
    out = build_site.rewrite_links(text, Path("README.md"), Path("index.md"), staged, tmp_path)
    assert out == (
        "[01](solutions/01_a.ipynb) [data](data/README.md#licence) bench "
        "[web](https://example.org) [here](#top) ![img](notebooks/01_a.ipynb) [gone](nothing.md)"
    )
    guide = build_site.rewrite_links(
        "[01](../solutions/01_a.ipynb) [data](../data/README.md) [map](../README.md) "
        "[07](../solutions/07_coming.ipynb) [typo](../solutions/01-a.ipynb)",
        Path("guide/x.md"),
        Path("guide/x.md"),
        staged,
        tmp_path,
    )
    # a chapter not in the repository yet keeps its text; a malformed name stays broken
    assert guide == (
        "[01](../solutions/01_a.ipynb) [data](../data/README.md) [map](../index.md) "
        "07 [typo](../solutions/01-a.ipynb)"
    )


def test_the_reference_covers_every_public_module():
    import importlib
    import pkgutil

    import xplab

    modules = build_site.public_modules()
    expected = {
        f"xplab.{m.name}"
        for m in pkgutil.iter_modules(xplab.__path__)
        if not m.name.startswith("_") and m.name != "exercises"
    }
    assert set(modules) == expected and "xplab.calculators" in modules
    for name in modules:
        page = build_site.reference_page(name)
        for public in importlib.import_module(name).__all__:
            assert re.search(rf"^\.\. (auto\w+|py:data):: {public}$", page, re.MULTILINE), (
                name,
                public,
            )


def test_the_toc_lists_chapters_guide_reference_and_data():
    toc = build_site.toc(
        ["00_a", "01_b"],
        build_site._guide_order(["chapter-template", "01_b", "index", "running-a-workshop"]),
        ["xplab.abtest"],
        data=True,
    )
    lines = [line.strip() for line in toc.splitlines() if "file:" in line]
    assert lines == [
        "- file: solutions/00_a",
        "- file: solutions/01_b",
        "- file: guide/index",
        "- file: guide/running-a-workshop",
        "- file: guide/01_b",
        "- file: guide/chapter-template",
        "- file: reference/index",
        "- file: reference/xplab.abtest",
        "- file: data/README",
    ]


def test_docstring_bars_are_escaped_outside_math_and_literals():
    import xplab_site

    lines = [
        "Reject if |Z_k| ≥ b_k and ``a | b`` stays, :math:`|x|` too.",
        "",
        ".. math:: |x| = \\sqrt{x^2}",
        "   |y|",
        "",
        "Example::",
        "",
        "    x = a | b",
        "",
        ">>> 1 | 2",
        "3",
        "",
        "Last |δ|.",
    ]
    xplab_site.escape_bars(lines)
    assert lines[0] == "Reject if \\|Z_k\\| ≥ b_k and ``a | b`` stays, :math:`|x|` too."
    assert lines[2:4] == [".. math:: |x| = \\sqrt{x^2}", "   |y|"]
    assert lines[7] == "    x = a | b" and lines[9:11] == [">>> 1 | 2", "3"]
    assert lines[12] == "Last \\|δ\\|."


# ----------------------------------------------------------------------------- a real build

SUBSET = ["00_start_here", "01_button_color_test"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "html"
    # no network: a proxy that refuses every connection (HTTP clients honour it)
    refuse = "http://127.0.0.1:9"
    env = dict(os.environ, HTTP_PROXY=refuse, HTTPS_PROXY=refuse, ALL_PROXY=refuse, NO_PROXY="")
    command = [sys.executable, str(ROOT / "book" / "build_site.py"), "--out", str(out)]
    command += ["--chapters", *SUBSET, "--modules", "xplab.calculators", "--no-check"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def test_the_built_site_loads_nothing_from_outside(site):
    assert check_site.external_resources(site) == []


def test_every_internal_link_of_the_built_site_resolves(site):
    assert check_site.broken_links(site) == []


def test_chapters_guide_and_reference_link_each_other(site):
    links = check_site.internal_links(site)

    def targets(page: str) -> set[str]:
        return {str(target) for target, _ in links[Path(page)]}

    chapters = {p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")}
    index = targets("index.html")
    assert {f"solutions/{c}.html" for c in chapters} <= index  # the course map
    assert "guide/index.html" in index and "data/README.html" in index
    guide = targets("guide/index.html")
    assert {f"solutions/{c}.html" for c in chapters} <= guide
    assert {"guide/running-a-workshop.html", "guide/chapter-template.html"} <= guide
    assert "index.html" in guide
    # each chapter's page in the guide, and from it the chapter itself
    pages = sorted((ROOT / "guide").glob("[0-9][0-9]_*.md"))
    assert pages and {f"guide/{p.stem}.html" for p in pages} <= guide
    for page in pages:
        if page.stem in chapters:
            assert f"solutions/{page.stem}.html" in targets(f"guide/{page.stem}.html"), page.name
    assert "data/README.html" in targets("guide/running-a-workshop.html")
    assert "reference/xplab.calculators.html" in targets("reference/index.html")
    # the next chapter, and the sidebar's way into the reference from a chapter
    assert {"solutions/02_trustworthy_experiments.html", "reference/index.html"} <= targets(
        "solutions/01_button_color_test.html"
    )
    # autodoc cross-references between the calculators' own pages resolve to anchors
    calc = links[Path("reference/xplab.calculators.html")]
    assert (Path("reference/xplab.calculators.html"), "xplab.calculators.power_plan") in calc


def test_math_renders_from_the_bundled_mathjax(site):
    page = (site / "solutions" / "01_button_color_test.html").read_text(encoding="utf-8")
    assert '<span class="math' in page or '<div class="math' in page
    src = re.search(r'<script[^>]*src="([^"]*MathJax\.js[^"]*)"', page).group(1)
    assert src.startswith("../_static/mathjax/MathJax.js?config=")
    assert (site / "_static" / "mathjax" / "MathJax.js").is_file()
    assert (site / "_static" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()
    assert "MathJax.Hub.Config" in page and '"webFont": "STIX-Web"' in page
    assert "window.MathJax" not in page  # no MathJax 3 configuration beside it


def test_solutions_and_hints_are_folded_and_checks_hidden(site):
    ch01 = (site / "solutions" / "01_button_color_test.html").read_text(encoding="utf-8")
    assert ch01.count("Show the solution") >= 10
    assert "assert_incorrect" not in ch01 and "assert_correct" not in ch01
    ch00 = (site / "solutions" / "00_start_here.html").read_text(encoding="utf-8")
    assert "Show the hint" in ch00
    stub = (site / "solutions" / "03_onboarding_retention_guardrails.html").read_text()
    assert "not part of this partial build" in stub
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "widget-view+json" not in text and "widget-state+json" not in text, page


def test_a_constant_re_exported_from_a_submodule_shows_its_own_comment():
    # RF_GRID (a dict, defined in xplab.segments.rfm) once showed dict's docstring,
    # whose **kwargs is broken markup, in its summary and its entry
    page = build_site.reference_page("xplab.segments")
    summary = page.split(".. autofunction::")[0]
    assert "RF_GRID" not in summary
    assert ".. py:data:: RF_GRID" in page
    assert "Named cells of the R × F grid" in page
    assert "dict(" not in page
