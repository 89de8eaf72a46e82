"""The rules the browser tests apply to a page, on small strings (no browser needed)."""

from __future__ import annotations

import pytest

from .pagecheck import (
    CHECK_CELL,
    DEMONSTRATION,
    Math,
    Output,
    contains_words,
    exercise_cells,
    math_segments,
    progress_problems,
    raw_math,
    reads_as_prose,
    text_bars,
)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("no math, USD 5,000 a year", []),
        ("$$n = \\frac{a}{b}$$", ["n = \\frac{a}{b}"]),
        ("inline $x^2$ and \\(y\\) and \\[z\\]", ["x^2", "y", "z"]),
        ("a `$HOME` span and\n```bash\n$ make test\n```\nthen $a$", ["a"]),
        ("escaped \\$5 and \\$10", []),
        ("costs $5 and $10 more", ["5 and "]),
        ("\\begin{align} a &= b \\end{align}", ["\\begin{align} a &= b \\end{align}"]),
        ("$$a$$ then $b$", ["a", "b"]),
    ],
)
def test_math_segments(markdown, expected):
    assert [m.tex for m in math_segments(markdown)] == expected


def test_inline_flag():
    assert [m.inline for m in math_segments("$$a$$ $b$")] == [False, True]


@pytest.mark.parametrize(
    ("tex", "prose"),
    [
        ("5 and ", True),
        ("5,000 a year, or ", True),
        ("2\\log n", False),
        ("10 \\text{ per arm}", False),
        ("x + 1", False),
        ("0.05", False),
    ],
)
def test_reads_as_prose(tex, prose):
    assert reads_as_prose(Math(tex, inline=True)) is prose
    assert reads_as_prose(Math(tex, inline=False)) is False  # display math may hold \text prose


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("the estimate is 0.78 pp", []),
        ("costs $5 and $10 a month", []),  # escaped amounts, as rendered
        ("a lone $5 here", []),
        ("p is $\\hat p$ here", ["$\\hat p$"]),
        ("$$SE = \\sqrt{x}$$", ["$$SE = \\sqrt{x}$$"]),
        ("left \\[ a \\] over", ["\\[", "\\]"]),
        ("and $x$.", ["$x$"]),
    ],
)
def test_raw_math(text, raw):
    assert raw_math(text) == raw


def test_text_bars():
    assert text_bars("fit:  40%|████      | 2/5 [00:01<00:01]") == [40]
    assert text_bars("a 40% lift | not a bar") == []


def test_progress_problems():
    frozen = Output("display_data", "", "text/plain", "splits:   0%|          | 0/5")
    done = Output("stream", "stdout", "", "MMR: 100%|██████████| 7/7")
    on_stderr = Output("stream", "stderr", "", "\rMMR: 100%|██████████| 7/7")
    hidden = Output("display_data", "", "text/plain", " 0%|  | 0/5", visible=False)
    widget = Output("display_data", "", "application/vnd.jupyter.widget-view+json", "", bars=(0.4,))
    assert progress_problems([done, hidden]) == []
    assert "frozen at 0 %" in progress_problems([frozen])[0]
    assert "stderr" in progress_problems([on_stderr])[0]
    assert "40%" in progress_problems([widget])[0]


def test_words():
    assert contains_words(
        "🔁 Not quite (Q3): A is not it: **No**, the `p`-value…", "not it: No, the p-value"
    )
    assert not contains_words("A is not it", "B is not it")


def test_check_cells():
    assert CHECK_CELL.match("ex.q3.check(choice)").groups() == ("q3", "choice")
    assert CHECK_CELL.match("ex.q1.check(None)") is None
    assert DEMONSTRATION.match("ex.q1.check(0.5)")
    assert DEMONSTRATION.match("ex.q3.check('E')")
    assert not DEMONSTRATION.match("ex.q1.check(ctr)")
    assert not DEMONSTRATION.match("ex.q1.check(ctr * 100)")  # a wrong answer, not a demonstration


def test_exercise_cells():
    cells = [
        ("code", "ctr = None  # YOUR CODE HERE\nother = None"),
        ("markdown", "Now check it."),
        ("code", "ex.q1.check(ctr)"),
        ("code", "ex.q2.check(missing)"),
    ]
    assert exercise_cells(cells, "q1") == (0, 2, "ctr")
    with pytest.raises(LookupError, match="assigns `missing`"):
        exercise_cells(cells, "q2")
    with pytest.raises(LookupError, match="q9"):
        exercise_cells(cells, "q9")
