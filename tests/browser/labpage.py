"""JupyterLab in a real browser: the server process and a page that drives one notebook.

:class:`LabServer` runs ``jupyter lab`` from the project environment on a free
loopback port with a token, in temporary Jupyter and IPython directories (so
nothing from the user's home leaks in), serving a scratch copy of the
notebooks (so nothing a test types reaches the repository). It is stopped by
its own process id, with the kernels it started.

:class:`NotebookPage` opens one notebook, runs it as a learner does (Run All,
typing into a cell, Shift+Enter) and reads back what the page shows. It
talks to JupyterLab through ``window.jupyterapp`` (the server exposes it) to
run commands and to know which DOM node is which cell; what the tests assert
on is the rendered page.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .pagecheck import Output

# JupyterLab settings for a test run: every cell in the DOM (no virtual scrolling), no
# autosave into the copy, no news or update checks, brackets typed as they are
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {
        "windowingMode": "none",
        "codeCellConfig": {"autoClosingBrackets": False},
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}
SERVER_CONFIG = {
    "LabApp": {
        "expose_app_in_browser": True,
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "extension_manager": "readonly",
    },
}


REPO = Path(__file__).resolve().parents[2]
#: A notebook that has not finished this long after Run All is hung (each runs in
#: under a minute on two idle cores); a guard against hanging, not a speed target.
NOTEBOOK_TIMEOUT = float(os.environ.get("XPLAB_BROWSER_TIMEOUT", "300"))
#: Keep the screenshots of every notebook, not only of those with a failing test.
KEEP_SCREENSHOTS = os.environ.get("XPLAB_BROWSER_KEEP_SCREENSHOTS") == "1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LabServer:
    """``jupyter lab`` serving ``root`` on 127.0.0.1, from this environment."""

    def __init__(self, root: Path, workdir: Path, *, start_timeout: float = 180.0) -> None:
        self.root = root
        self.workdir = workdir
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "jupyter-lab.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._start(start_timeout)

    def _start(self, timeout: float) -> None:
        dirs = {name: self.workdir / name for name in ("config", "data", "runtime", "ipython")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
        settings = self.workdir / "settings"
        for plugin, values in LAB_SETTINGS.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTER_PLATFORM_DIRS="1",
            IPYTHONDIR=str(dirs["ipython"]),
            JUPYTER_TOKEN=self.token,
            PYTHONUNBUFFERED="1",
        )
        cmd = [
            str(Path(sys.executable).with_name("jupyter-lab")),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
        ]
        if os.getuid() == 0:  # containers run as root; JupyterLab refuses unless told
            cmd.append("--allow-root")
        with open(self.log_path, "wb") as log:
            # its own process group: stopping it by its pid also stops its kernels
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self._proc.returncode}:\n{self.log_tail()}"
                )
            if self._serves():
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter lab did not serve within {timeout:.0f} s:\n{self.log_tail()}")

    def _serves(self) -> bool:
        request = urllib.request.Request(
            f"{self.base_url}/api/status", headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API (``GET /api/kernels``, ``DELETE /api/kernels/<id>``)."""
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def url(self, path: str) -> str:
        """The JupyterLab URL that opens ``path`` (relative to the served root) in a fresh
        workspace of its own, so that tabs open side by side do not share their layout."""
        workspace = re.sub(r"\W+", "-", path).strip("-")
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{path}?reset&token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server and its kernels: SIGTERM to its process group, SIGKILL if it hangs."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}")
        except (urllib.error.URLError, OSError, ValueError):
            pass  # the signal below stops what is left
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self._proc = None


def copy_course(
    repo: Path, root: Path, folders: tuple[str, ...] = ("notebooks", "solutions")
) -> None:
    """Copy the notebook folders the browser opens into the server's scratch root."""
    for folder in folders:
        src = repo / folder
        if src.is_dir():
            shutil.copytree(src, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))


# ---------------------------------------------------------------------------- the page

_PANEL = "window.jupyterapp.shell.currentWidget"

_RUN_ALL_DONE = f"""() => {{
  const done = window.__xplabRunAll;
  if (!done) return null;
  const panel = {_PANEL};
  const busy = panel.sessionContext.session.kernel.status !== 'idle'
    || [...panel.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  return busy ? null : done;
}}"""

# every cell: its model (type, source, tags, outputs as nbformat) and what the page shows
_CELLS = f"""() => {{
  // rendered text without the typeset math and the code, where raw TeX would show
  const plain = node => {{
    const copy = node.cloneNode(true);
    copy.querySelectorAll('mjx-container, code, pre, script, style').forEach(e => e.remove());
    return copy.textContent;
  }};
  return {_PANEL}.content.widgets.map((cell, index) => {{
    const model = cell.model;
    const json = model.type === 'code' ? model.outputs.toJSON() : [];
    const nodes = [...cell.node.querySelectorAll('.jp-OutputArea-child')];
    const outputs = nodes.map((node, i) => {{
      const out = node.querySelector('.jp-OutputArea-output');
      const bars = [...node.querySelectorAll('.widget-progress .progress-bar')].map(bar => {{
        const full = bar.parentElement.getBoundingClientRect().width;
        return full > 0 ? bar.getBoundingClientRect().width / full : 0;
      }});
      const spec = json.length === nodes.length ? json[i] : {{}};
      return {{
        output_type: spec.output_type || '',
        name: spec.name || '',
        mime: out ? (out.getAttribute('data-mime-type') || '') : '',
        text: node.innerText,
        visible: node.checkVisibility(),
        bars,
      }};
    }});
    const rendered = cell.node.querySelector('.jp-MarkdownOutput');
    const markdown = model.type === 'markdown' && rendered
      ? {{text: plain(rendered), math: rendered.querySelectorAll('mjx-container').length}}
      : null;
    return {{
      index,
      type: model.type,
      source: model.sharedModel.getSource(),
      tags: model.getMetadata('tags') || [],
      executionCount: model.type === 'code' ? model.executionCount : null,
      outputs,
      markdown,
      outputMarkdown: [...cell.node.querySelectorAll('.jp-OutputArea .jp-RenderedMarkdown')].map(plain),
    }};
  }});
}}"""


# Injected into a tab before JupyterLab loads: ``__xplabAutorun(path)`` waits until the
# notebook ``path`` is the tab's document and its kernel is idle, keeps the cells as first
# shown (the stored outputs) and starts Run All (the Run menu's command). It runs by itself,
# so a tab opened ahead works while Python waits on another. A tab is reused for the next
# notebook (JupyterLab's own "open" command): loading JupyterLab costs seconds of CPU.
_AUTORUN = f"""(() => {{
  if (window.top !== window) return;
  window.__xplabAutorun = path => {{
    window.__xplabOpened = undefined;
    window.__xplabRunAll = undefined;
    const timer = setInterval(() => {{
      let panel;
      try {{
        panel = {_PANEL};
        if (!(panel.context.path === path && panel.context.isReady
              && panel.sessionContext.session.kernel.status === 'idle')) return;
      }} catch (e) {{ return; }}
      clearInterval(timer);
      window.jupyterapp.shell.collapseLeft();  // room for the notebook
      window.__xplabOpened = ({_CELLS})();
      const start = Date.now();
      window.__xplabRunAll = null;
      window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => {{ window.__xplabRunAll = {{ok, seconds: (Date.now() - start) / 1000}}; }},
        err => {{ window.__xplabRunAll = {{ok: false, error: String(err)}}; }});
    }}, 250);
  }};
}})();"""


@dataclass(frozen=True)
class Cell:
    """One notebook cell as the page shows it."""

    index: int
    type: str
    source: str
    tags: tuple[str, ...]
    execution_count: int | None
    outputs: tuple[Output, ...]
    markdown_text: str | None  # a Markdown cell's rendered text, math and code taken out
    markdown_math: int  # MathJax elements in a rendered Markdown cell
    output_markdown: tuple[str, ...]  # rendered Markdown in the outputs, math and code taken out

    @property
    def output_text(self) -> str:
        return "\n".join(o.text for o in self.outputs)

    @property
    def visible_output_text(self) -> str:
        return "\n".join(o.text for o in self.outputs if o.visible)


class NotebookPage:
    """One notebook open in JupyterLab, in its own browser tab, workspace and kernel.

    Creating it opens the tab and returns at once: the tab runs Run All by
    itself as soon as the kernel is idle. :meth:`finish` waits for the end.
    """

    def __init__(
        self, context: Any, server: LabServer, path: str, *, tab: Any | None = None
    ) -> None:
        self.server = server
        self.path = path
        self.started = time.monotonic()
        self.opened: list[Cell] = []
        if tab is None:  # a new tab: JupyterLab loads with the notebook
            self.page = context.new_page()
            self.page.set_default_timeout(60_000)
            self.page.add_init_script(_AUTORUN)
            self.page.add_init_script(f"window.__xplabAutorun({json.dumps(path)})")
            self.page.goto(server.url(path), wait_until="commit")
        else:  # a tab whose notebook was closed: open this one in the same JupyterLab
            self.page = tab
            self.page.evaluate(
                """path => { window.__xplabAutorun(path);
                             window.jupyterapp.commands.execute('docmanager:open', {path}); }""",
                path,
            )

    def finish(self, timeout: float) -> dict[str, Any]:
        """Wait until Run All has run every cell and the kernel is idle.

        ``timeout`` counts from the opening of the tab. Returns ``{"ok": bool,
        "seconds": …}`` (``ok`` is False when a cell stopped the run); raises
        Playwright's ``TimeoutError`` when the notebook is not done in time.
        """
        remaining = max(timeout - (time.monotonic() - self.started), 1.0)
        done = self.page.wait_for_function(_RUN_ALL_DONE, timeout=remaining * 1000, polling=250)
        result = dict(done.json_value())
        self.opened = self._parse(self.page.evaluate("() => window.__xplabOpened"))
        self.settle()
        return result

    def settle(self, quiet: float = 1.0, limit: float = 20.0) -> None:
        """Wait until the page stops changing (MathJax typesetting, late outputs)."""
        script = """() => document.querySelectorAll('mjx-container').length + ':' +
                   document.querySelectorAll('.jp-OutputArea-child').length"""
        last, since, end = None, time.monotonic(), time.monotonic() + limit
        while time.monotonic() < end:
            now = self.page.evaluate(script)
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return
            time.sleep(0.2)

    def cells(self) -> list[Cell]:
        """Every cell as the page shows it now."""
        return self._parse(self.page.evaluate(_CELLS))

    @staticmethod
    def _parse(cells: list[dict[str, Any]]) -> list[Cell]:
        return [
            Cell(
                index=c["index"],
                type=c["type"],
                source=c["source"],
                tags=tuple(c["tags"]),
                execution_count=c["executionCount"],
                outputs=tuple(
                    Output(
                        o["output_type"],
                        o["name"],
                        o["mime"],
                        o["text"],
                        o["visible"],
                        tuple(o["bars"]),
                    )
                    for o in c["outputs"]
                ),
                markdown_text=c["markdown"]["text"] if c["markdown"] else None,
                markdown_math=c["markdown"]["math"] if c["markdown"] else 0,
                output_markdown=tuple(c["outputMarkdown"]),
            )
            for c in cells
        ]

    def _cell_locator(self, index: int) -> Any:
        self.page.evaluate(
            f"i => {_PANEL}.content.widgets[i].node.setAttribute('data-xplab-cell', String(i))",
            index,
        )
        return self.page.locator(f'[data-xplab-cell="{index}"]')

    def type_into(self, index: int, text: str) -> None:
        """Replace the code of cell ``index`` by typing ``text``, as a learner would."""
        editor = self._cell_locator(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("ControlOrMeta+A")
        self.page.keyboard.type(text)
        got = self.page.evaluate(
            f"i => {_PANEL}.content.widgets[i].model.sharedModel.getSource()", index
        )
        if got != text:
            raise AssertionError(f"typed {text!r} into cell {index}, the cell holds {got!r}")

    def run_cells(self, first: int, count: int, timeout: float = 120.0) -> None:
        """Run cells ``first``… one by one with Shift+Enter, waiting for each to finish."""
        self._cell_locator(first).locator(".cm-content").click()
        for index in range(first, first + count):
            before = self._execution_count(index)
            self.page.keyboard.press("Shift+Enter")
            self.page.wait_for_function(
                f"""([i, before]) => {{
                  const panel = {_PANEL};
                  const model = panel.content.widgets[i].model;
                  if (model.type !== 'code') return true;  // Shift+Enter renders Markdown at once
                  const n = model.executionCount;
                  return n !== null && n !== before && panel.sessionContext.session.kernel.status === 'idle';
                }}""",
                arg=[index, before],
                timeout=timeout * 1000,
                polling=100,
            )
        self.settle(quiet=0.5, limit=5)

    def _execution_count(self, index: int) -> int | None:
        return self.page.evaluate(f"i => {_PANEL}.content.widgets[i].model.executionCount", index)

    def cells_screenshot(self, first: int, last: int, path: Path) -> Path:
        """Cells ``first`` to ``last`` (inputs and outputs) in one image."""
        path.parent.mkdir(parents=True, exist_ok=True)
        top, bottom = self._cell_locator(first), self._cell_locator(last)
        bottom.scroll_into_view_if_needed()
        a, b = top.bounding_box(), bottom.bounding_box()
        if a is None or b is None or a["y"] < 0:  # the answer cell scrolled out: the check only
            bottom.screenshot(path=str(path))
        else:
            clip = {
                "x": a["x"],
                "y": a["y"],
                "width": a["width"],
                "height": b["y"] + b["height"] - a["y"],
            }
            self.page.screenshot(path=str(path), clip=clip)
        return path

    def screenshot(self, path: Path) -> Path:
        """The whole notebook in one image: the viewport grows to the notebook's height."""
        path.parent.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or {"width": 1280, "height": 900}
        # the notebook scrolls inside its own element: grow the window by what is hidden there
        height = self.page.evaluate(
            f"""() => {{
              const node = {_PANEL}.content.node;
              const outer = node.querySelector('.jp-WindowedPanel-outer') || node;
              return window.innerHeight - outer.clientHeight + outer.scrollHeight;
            }}"""
        )
        try:
            self.page.set_viewport_size(
                {"width": size["width"], "height": min(int(height), 30_000)}
            )
            self.page.evaluate(
                f"""() => {{
                  const node = {_PANEL}.content.node;
                  (node.querySelector('.jp-WindowedPanel-outer') || node).scrollTop = 0;
                }}"""
            )
            self.page.wait_for_timeout(500)
            self.page.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(size)
        return path

    def shut_down(self) -> Any:
        """Shut the notebook's kernel down and close it, unsaved (the page stays open for
        the next notebook); the page."""
        self.page.evaluate(
            f"""() => {{
              const panel = {_PANEL};
              return Promise.race([panel.sessionContext.shutdown(),
                                   new Promise(done => setTimeout(done, 15000))])
                .then(() => panel.dispose());
            }}"""
        )
        return self.page

    def close(self) -> None:
        """Shut the notebook's kernel down and close the tab."""
        try:
            self.shut_down()
        finally:
            self.page.close()


class Pipeline:
    """Notebook tabs opened in the order the tests use them, ``ahead`` of the one under test.

    While the tests of one notebook look at its page, the next notebooks
    already open and run in their own tabs and kernels: on two cores the
    kernels overlap with each other and with the browser. ``ahead=0`` opens
    each notebook only when its tests start. A released notebook's tab opens
    the next notebook (JupyterLab is loaded once per tab, not per notebook).
    """

    def __init__(self, context: Any, server: LabServer, order: list[str], ahead: int) -> None:
        self.context, self.server, self.order, self.ahead = context, server, order, ahead
        self._open: dict[str, NotebookPage] = {}
        self._released: set[str] = set()
        self._free: list[Any] = []  # tabs whose notebook was closed

    def take(self, path: str) -> NotebookPage:
        """The tab of ``path`` (opened now unless it was opened ahead); open the next ones."""
        page = self._open.get(path) or self._start(path)
        if path in self.order:
            upcoming = self.order[self.order.index(path) + 1 :]
            for later in upcoming[: self.ahead]:
                if later not in self._open and later not in self._released:
                    self._start(later)
        return page

    def release(self, path: str) -> None:
        """Shut the notebook's kernel down and close it; its tab waits for the next notebook."""
        self._released.add(path)
        page = self._open.pop(path, None)
        if page is not None:
            try:
                self._free.append(page.shut_down())
            except Exception:  # a broken tab is not reused
                page.page.close()

    def close(self) -> None:
        for path in list(self._open):
            self._open.pop(path).close()
        for tab in self._free:
            tab.close()
        self._free.clear()

    def _start(self, path: str) -> NotebookPage:
        tab = self._free.pop() if self._free else None
        page = self._open[path] = NotebookPage(self.context, self.server, path, tab=tab)
        return page
