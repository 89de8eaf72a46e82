"""The three calculators in a real JupyterLab, driven by Chromium.

Opt-in (``XPLAB_BROWSER_TESTS=1``; about a minute and a half on two cores):
it starts JupyterLab on a free loopback port with a notebook holding the three
calculators, runs it, moves one control of each (a slider of the power
calculator, the method of the peeking simulator, the policy of the bandit
playground) and checks that the controls are shown and that each figure is
redrawn in place, not added below. The calculations themselves are tested as
functions in the other files of this folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    os.environ.get("XPLAB_BROWSER_TESTS") != "1" or CHROMIUM is None,
    reason="browser test: set XPLAB_BROWSER_TESTS=1 (needs chromium and playwright)",
)

CELLS = [
    "from xplab import calculators\n"
    "calculators.power_calculator(0.17, 0.05, relative=True, n_per_group=30_000)",
    "calculators.peeking_simulator(20)",
    'calculators.bandit_playground("epsilon-greedy", means=(0.04, 0.05, 0.06, 0.07, 0.08))',
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _figures(cell) -> list[str]:
    return [
        hashlib.sha256(img.get_attribute("src").encode()).hexdigest()
        for img in cell.query_selector_all(".jp-OutputArea-output img")
    ]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    import nbformat

    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, root / "calculators.ipynb")
    port = _free_port()
    jupyter = Path(sys.executable).parent / "jupyter"
    command = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
    command += ["--IdentityProvider.token=xplab", f"--ServerApp.root_dir={root}"]
    command += ["--LabApp.news_url=", "--allow-root"]
    log = open(root / "server.log", "w")  # closed below
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/calculators.ipynb?token=xplab"
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def test_the_calculators_redraw_their_figures_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.goto(lab)
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator, .jp-KernelStatus", timeout=60_000)
        time.sleep(5)  # let Lab finish starting the kernel and the menus
        page.click("text=Run", timeout=30_000)
        page.click("text=Run All Cells", timeout=30_000)
        page.wait_for_function(
            "document.querySelectorAll('.jp-OutputArea-output img').length >= 3",
            timeout=300_000,
        )
        cells = page.query_selector_all(".jp-Notebook .jp-CodeCell")
        assert len(page.query_selector_all(".widget-slider, .widget-hslider")) >= 10
        assert len(page.query_selector_all(".widget-dropdown select")) >= 3
        moves = [
            lambda cell: (
                cell.query_selector(".noUi-handle").focus(),
                page.keyboard.press("ArrowRight"),
            ),
            lambda cell: cell.query_selector(".widget-dropdown select").select_option(index=1),
            lambda cell: cell.query_selector(".widget-dropdown select").select_option(label="UCB1"),
        ]
        for cell, move in zip(cells, moves, strict=True):
            before = _figures(cell)
            assert len(before) == 1
            move(cell)
            deadline, after = time.time() + 180, before
            while after == before and time.time() < deadline:
                time.sleep(1)
                after = _figures(cell)
            assert len(after) == 1 and after != before, "the figure was not redrawn in place"
        browser.close()
