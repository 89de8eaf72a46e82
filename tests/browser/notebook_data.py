"""What the browser tests try in each notebook, and the checks that fail on today's notebooks.

The one place to update when a notebook's exercises are renumbered, when a
new chapter lands, or when a defect is fixed (its entry in KNOWN_DEFECTS then
turns into a failure "XPASS(strict)": delete the entry).

A new chapter (``notebooks/NN_*.ipynb``) is picked up by its file name: every
check that needs no row runs on it at once. Until it has a row in NUMERIC,
check 4 is *pending*: its two tests skip with a reason that starts with
"PENDING", and the run ends with a "pending" section naming the row to add
(also in the suite without a browser, from ``test_notebook_data.py``). Until
it has a row in JUDGMENT, check 5 answers the chapter's first judgment
question and the same section asks for a row that pins one.
``test_notebook_data.py`` checks, without a browser, that each row still names
an exercise of the right kind and a value the solutions notebook really shows.
"""

from __future__ import annotations

import importlib

# notebook number -> (exercise, the value exactly as the notebook shows it, the text that shows it)
# The test types `<answer> = <value>` into the exercise's cell and runs it and its check,
# then `<answer> = <value × 100>`. The text (None: nothing prints it) must occur in the
# stored outputs or Markdown of solutions/NN_*.ipynb.
NUMERIC: dict[str, tuple[str, str, str | None]] = {
    "00": ("q1", "0.25", None),  # 5 clicks among the 20 visitors: exact, nothing prints it
    "01": ("q4", "0.37", "+2.9% lift: power 0.37 with 30,000 per arm"),
    "02": ("q9", "0.072", "reaches power 0.072"),
    "03": ("q9", "0.00235", "(-inf, 0.00235)"),
    "04": ("q1", "-0.0225", "-0.1736 -0.1961     -0.0225"),
    "05": ("q1", "0.94", "sparse (94 % empty here)"),
    "06": ("q8", "0.0606", "truth 0.0606"),
    "07": ("q12", "0.1275", "all teams          400    0.1275"),
    "08": ("q4", "0.534", "merged                 0.534"),
    "09": ("q5", "0.613", "high-value regulars          497                  0.613"),
}

# notebook number -> a multiple-choice or decision exercise to answer with a wrong letter
JUDGMENT: dict[str, str] = {
    "00": "q3",
    "01": "q6",
    "02": "q2",
    "03": "q3",
    "04": "q2",
    "05": "q4",
    "06": "q3",
    "07": "q3",
    "08": "q2",
    "09": "q4",
}

# the browser checks, by the names KNOWN_DEFECTS uses (test_lab.py)
CHECKS = (
    "run_all",  # Run All finishes, every cell ran
    "no_errors",  # no traceback, stderr or widget error; checks say "not attempted"
    "math",  # MathJax typesets the Markdown's math; no raw TeX or $ amounts
    "progress_bars",  # none frozen or on stderr, as stored and after Run All
    "as_printed",  # NUMERIC's value, typed as printed, gets ✅
    "percentage_hint",  # NUMERIC's value x100 gets the percentage hint
    "judgment_feedback",  # a wrong letter gets that option's explanation
    "solutions_run_all",  # solutions/: Run All finishes without an error
    "solutions_not_quite",  # solutions/: no "Not quite" after Run All
)

# (check, notebook number) -> why it fails today. Each becomes
# pytest.mark.xfail(strict=True): once fixed, the test passes and the strict xfail fails
# the run until the entry is removed. For example:
#     ("progress_bars", "05"): "issue 17: the stored outputs show tqdm bars frozen at 0 %",
# Issue 17's defects (values as printed rejected, no percentage hint, frozen and stderr
# progress bars in 05 and 06, "Not quite" in every solutions notebook) are fixed on main.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def numeric_row_needed(number: str) -> str:
    """What to add to NUMERIC for a notebook that has no row yet."""
    return (
        f"notebook {number} has no row in NUMERIC (tests/browser/notebook_data.py), so check 4 "
        "(the value as printed gets ✅, the value x100 the percentage hint) does not run on it. "
        f'Add  "{number}": ("qN", "<the value exactly as the notebook prints it>", '
        '"<the printed text that shows it>"),  for a compute exercise whose answer is a '
        "proportion between 0 and 1 (so that x100 reads as a percentage)"
    )


def judgment_row_needed(number: str, fallback: str | None) -> str:
    """What to add to JUDGMENT for a notebook that has no row yet."""
    now = (
        f"check 5 answers its first judgment question, {fallback}"
        if fallback
        else "check 5 finds no multiple-choice or decision exercise to answer"
    )
    return (
        f"notebook {number} has no row in JUDGMENT (tests/browser/notebook_data.py): {now}. "
        f'Add  "{number}": "qM",  a multiple-choice or decision exercise with at least one '
        "wrong letter"
    )


def first_judgment(number: str) -> str | None:
    """The name of the chapter's first multiple-choice or decision exercise (None: it has none)."""
    from xplab.workbook import MultipleChoice

    module = importlib.import_module(f"xplab.exercises.nb{number}")
    return next((k for k, v in vars(module).items() if isinstance(v, MultipleChoice)), None)
