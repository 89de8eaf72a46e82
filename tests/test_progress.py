import io
import re

import nbformat
import pytest

from xplab.progress import line, progress


def test_the_line_reads_like_a_bar():
    assert line(0, 4, "tiers", 0.0) == "tiers: 0%|          | 0/4 [0.0 s]"
    assert line(4, 4, "tiers", 10.26) == "tiers: 100%|██████████| 4/4 [10.3 s]"
    assert line(1, 3, "", 61) == "33%|███▍      | 1/3 [1:01 min]"
    assert line(0, 0, "none", 0.0).startswith("none: 100%|")
    assert line(2, None, "gen", 1.0) == "gen: ?%|          | 2/? [1.0 s]"


def test_the_loop_runs_unchanged_and_quietly_outside_a_terminal(monkeypatch, capsys):
    assert list(progress([3, 1, 2], desc="x")) == [3, 1, 2]
    assert list(progress((i for i in range(3)), total=3)) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_one_line_rewritten_in_place(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    assert sum(progress(range(5), desc="sum")) == 10
    text = err.getvalue()
    assert text.startswith("\rsum: 0%|") and text.endswith("sum: 100%|██████████| 5/5 [0.0 s]\n")
    assert "\n" not in text[:-1]
    err2 = Tty()
    monkeypatch.setattr("sys.stderr", err2)
    assert list(progress(range(3), enabled=False)) == [0, 1, 2]
    assert err2.getvalue() == ""


def test_a_loop_that_stops_early_shows_where_it_stopped(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    with pytest.raises(KeyError):
        for i in progress(range(5), desc="d"):
            if i == 2:
                raise KeyError(i)
    assert err.getvalue().endswith("d: 40%|████      | 2/5 [0.0 s]\n")


def test_a_notebook_stores_one_plain_text_output_in_its_final_state(tmp_path):
    """The same display in JupyterLab, in the saved notebook and in its HTML: one
    text output, updated in place, no widget and no stderr."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import time\n"
                "from xplab.progress import progress\n"
                "for _ in progress(range(4), desc='fits'):\n"
                "    time.sleep(0.3)\n"
                "print('done')"
            )
        ]
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    kinds = [(o.output_type, o.get("name")) for o in outputs]
    assert kinds == [("display_data", None), ("stream", "stdout")]
    assert set(outputs[0].data) == {"text/plain"}
    assert re.fullmatch(r"fits: 100%\|██████████\| 4/4 \[\d\.\d s\]", outputs[0].data["text/plain"])
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert body.count("fits: 100%") == 1
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in body
