"""Checks of a built course site: it works offline, and its links resolve.

``.venv/bin/python book/check_site.py [build/site]`` prints what fails and
exits 1 if anything does (``make site`` runs it after the build).

* :func:`external_resources`: everything a page *loads* must come from the
  site itself. In every HTML file: ``<script src>``, ``<link href>`` (style
  sheets, fonts, icons, preloads, of any ``rel``), ``<img>``, ``<iframe>``,
  ``<source>``, ``<video>``, ``<audio>``, ``<embed src>``, ``<object data>``,
  ``url(...)`` / ``@import`` in ``<style>`` blocks and ``style=``
  attributes, and URLs written as string literals in inline scripts (a
  library fetched later, as sphinx-thebe's ``THEBE_JS_URL``); in every CSS
  file: ``@import`` and ``url(...)`` (which covers ``@font-face`` sources).
  A reference is external when it has a scheme
  (``http:``, ``https:``, ...; ``data:`` is inline and allowed) or is
  protocol-relative (``//host/...``). Ordinary ``<a href>`` links to papers
  and datasets are allowed: following them is the reader's choice.
* :func:`broken_links`: every internal ``<a href>`` and every local resource
  above points at a file of the site, and every ``#fragment`` at an element
  with that id (or an ``<a name>``) in the target page.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_LOADING = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""", re.IGNORECASE)
# @import "x.css" (the form @import url(x.css) is a url() above)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])([^'"]+)\1""", re.IGNORECASE)
# a URL as a string literal in inline JavaScript (e.g. a library to fetch later)
_JS_URL = re.compile(r"""["'`]((?:https?:)?//[\w.-]+[^"'`\s]*)["'`]""")
_JS_TYPES = {"text/javascript", "module", "application/javascript", "text/x-mathjax-config"}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_external(url: str) -> bool:
    """Whether fetching ``url`` would leave the site (``data:`` URIs are inline)."""
    url = url.strip()
    if url.startswith("//"):
        return True
    return bool(_SCHEME.match(url)) and not url.lower().startswith(("data:", "about:"))


def css_references(css: str) -> list[str]:
    """The URLs a piece of CSS loads: ``url(...)`` (fonts, images) and ``@import``."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [m.group(2) for m in _CSS_URL.finditer(css)] + [
        m.group(2) for m in _CSS_IMPORT.finditer(css)
    ]


class Page(HTMLParser):
    """What one HTML page loads (``loads``: (tag, url)), links to (``links``:
    ``<a href>``) and defines (``ids``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self._in_style = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a":
            if "name" in values:
                self.ids.add(values["name"])
            if "href" in values:
                self.links.append(values["href"])
        for attr in _LOADING.get(tag, ()):
            if attr in values:
                urls = values[attr]
                if attr == "srcset":
                    for part in urls.split(","):
                        if part.strip():
                            self.loads.append((tag, part.split()[0]))
                else:
                    self.loads.append((tag, urls))
        if "style" in values:
            self.loads += [("style attribute", u) for u in css_references(values["style"])]
        self._in_style = tag == "style"
        self._in_script = tag == "script" and values.get("type", "text/javascript") in _JS_TYPES

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._in_style = self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.loads += [("style", u) for u in css_references(data)]
        if self._in_script:
            self.loads += [("inline script", m.group(1)) for m in _JS_URL.finditer(data)]


_PAGES: dict[Path, Page] = {}


def parse(path: Path) -> Page:
    path = path.resolve()
    if path not in _PAGES:
        page = Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        page.close()
        _PAGES[path] = page
    return _PAGES[path]


def _files(root: Path, suffix: str) -> list[Path]:
    return sorted(p for p in root.rglob(f"*{suffix}") if p.is_file())


def _pages(root: Path) -> list[Path]:
    """The site's pages: its HTML files but the Jinja fragments that themes copy
    into ``_static/`` (``webpack-macros.html``: never served as pages)."""
    return [p for p in _files(root, ".html") if "_static" not in p.relative_to(root).parts]


def external_resources(root: Path) -> list[str]:
    """Every external script, style sheet, font or other loaded resource, as
    ``file: tag url`` (empty when the site is self-contained)."""
    root = Path(root)
    found = []
    for path in _files(root, ".html"):
        for tag, url in parse(path).loads:
            if is_external(url):
                found.append(f"{path.relative_to(root)}: <{tag}> {url}")
    for path in _files(root, ".css"):
        for url in css_references(path.read_text(encoding="utf-8", errors="replace")):
            if is_external(url):
                found.append(f"{path.relative_to(root)}: css {url}")
    return found


def _target(page: Path, url: str) -> tuple[Path, str]:
    parts = urlsplit(url)
    path = unquote(parts.path)
    target = page if not path else (page.parent / path)
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def internal_links(root: Path) -> dict[Path, set[tuple[Path, str]]]:
    """Per page (relative to ``root``): the internal ``<a href>`` targets (page, fragment)."""
    root = Path(root).resolve()
    out: dict[Path, set[tuple[Path, str]]] = {}
    for path in _pages(root):
        edges = out.setdefault(path.relative_to(root), set())
        for url in parse(path).links:
            if is_external(url) or not url.strip():
                continue
            target, fragment = _target(path, url)
            try:
                edges.add((target.resolve().relative_to(root), fragment))
            except ValueError:  # leaves the site's folder: broken_links reports it
                edges.add((Path(url), fragment))
    return out


def broken_links(root: Path) -> list[str]:
    """Every internal link or local resource that points nowhere, as ``file: url (why)``."""
    root = Path(root).resolve()
    broken = []
    for path in _pages(root):
        page = parse(path)
        urls = [("a", u) for u in page.links] + page.loads
        for tag, url in urls:
            if is_external(url) or not url.strip():
                continue
            target, fragment = _target(path, url)
            where = f"{path.relative_to(root)}: <{tag}> {url}"
            resolved = target.resolve()
            if root not in resolved.parents and resolved != root:
                broken.append(f"{where} (outside the site)")
            elif not resolved.is_file():
                broken.append(f"{where} (no such file)")
            elif fragment and tag == "a" and resolved.suffix == ".html":
                if fragment not in parse(resolved).ids:
                    broken.append(f"{where} (no id {fragment!r} in the target)")
    return broken


def report(root: Path) -> int:
    """Print what fails; 0 if the site is self-contained and its links resolve."""
    root = Path(root)
    if not (root / "index.html").is_file():
        print(f"{root} holds no built site (run `make site`)", file=sys.stderr)
        return 1
    external = external_resources(root)
    broken = broken_links(root)
    for line in external:
        print(f"external: {line}")
    for line in broken:
        print(f"broken:   {line}")
    pages = len(_pages(root))
    print(f"checked {pages} pages: {len(external)} external resources, {len(broken)} broken links")
    return 1 if external or broken else 0


if __name__ == "__main__":
    sys.exit(report(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/site")))
