"""A throw-away exercise package for build tests, importable under a unique name."""

import itertools
import sys
import textwrap

import pytest

_counter = itertools.count()

DEMO_MODULE = """
from xplab.workbook import Exercise, MultipleChoice

q1 = Exercise("Q1 · answer", expected=lambda: 42)
q2 = Exercise("Q2 · two", expected=lambda: 2)
"""


@pytest.fixture
def demo_package(tmp_path, monkeypatch):
    """Make a package ``wbdemoN`` with module ``nb00`` (two exercises); return its name."""
    name = f"wbdemo{next(_counter)}"
    root = tmp_path / "pkgs"
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "nb00.py").write_text(textwrap.dedent(DEMO_MODULE))
    monkeypatch.syspath_prepend(str(root))
    yield name
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]
