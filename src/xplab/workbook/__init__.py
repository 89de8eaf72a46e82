"""The workbook mechanism: checked exercises and the solutions → workbook build.

Authoring checklist
===================

The complete, executed notebook in ``solutions/`` is the only source. The
learner's copy in ``notebooks/`` and the model solutions that
``ex.qN.solution()`` shows are generated from it by
``python -m xplab.workbook build`` (``make workbook``); ``make test`` fails
when either is out of date.

Add a chapter
-------------
1. Write ``solutions/NN_short_name.ipynb`` (the number orders the course)
   with the house skeleton: scenario and goals, setup, numbered sections,
   exercises, interview drill, summary.
2. Create ``src/xplab/exercises/nbNN.py`` holding the chapter's scenario
   parameters and its exercises (nothing else: analysis helpers belong in
   the tested package), and import it in the setup cell:
   ``from xplab.exercises import nbNN as ex``.
3. ``make notebooks`` (execute the solutions, then build), and commit
   ``solutions/``, ``notebooks/`` and ``src/xplab/exercises/solutions.json``.

Add an exercise (every type)
----------------------------
In the exercise module, define ``qN = Exercise(...)`` (or
``MultipleChoice``/``Decision``) whose expected answer is computed by the
package's tested code, with one to three ``hints``. In the notebook, three
cells, in this order:

1. the **solution cell**, tagged ``solution``: leading ``#`` comments say
   what to store where (they stay in the workbook), then the code assigning
   the answer. The workbook gets ``answer = None  # YOUR CODE HERE`` (or the
   text in cell metadata ``{"xplab": {"starter": "..."}}``);
2. the **check cell**, untagged: ``ex.qN.check(answer)``;
3. the **wrong-answer cell**, tagged ``solution-only``:
   ``ex.qN.assert_correct(answer)`` and ``ex.qN.assert_incorrect(<a typical
   mistake>)``. The build hides it from readers of ``solutions/``; the
   notebook tests still run it. Both calls return a :class:`Verified`
   feedback, which displays nothing, so a facilitator who runs the solutions
   live sees only the check cells' feedback.

The build stops, naming the notebook and the exercise, when one of the
three is missing. Later cells may pass the answer only to ``.check(...)``:
in the workbook it is ``None``.

*A value* — ``Exercise("Q1 · CTR", expected=lambda: ..., hints=[...])``.
The value as a learner copies it is accepted, with a note that shows the
precise value: the expected value rounded to two significant digits or more
(``0.37`` for 0.36725), or in one of the ``printed=`` formats (``".3f"``)
the notebook prints it with. Add ``exact=True`` if the question wants every
digit, ``round_up=True, unit="user"`` for sample sizes (say "round up" in the
question), and ``forbidden=`` a function returning a message for answers to
refuse even when their values match (the simulator's ground truth). Integers
are compared exactly; booleans Series accept a boolean array.

Name what a near miss got wrong instead of guessing: ``mistakes={"which
mean differs ...": lambda: wrong_value}`` rejects that value with that
message, and ``accept={"statsmodels' NormalIndPower uses Cohen's h ...":
lambda: other_value}`` accepts a library's equivalent with that note (see
:mod:`xplab.workbook.values` for the generic diagnoses: percentages, flipped
signs, digits cut off). ``estimate=0.25`` makes an "estimate the number"
item: right within ±25 %, and the feedback shows the precise value.

*A function* — ``Exercise("Q2 · lift", expected=reference_function,
cases=[(args...), ...], mistakes={"divides by len(top), not k": wrong})``:
the learner's function must agree with the reference on every case; one
that agrees with a listed mistake on every case gets that mistake's message,
and the cases must tell every listed mistake apart (the workbook's tests
check it: include short lists, empty inputs and ties where they matter). A
function that returns 100 × the value, or flips its sign, on every case is
told so. The solution cell defines the function (a ``class`` or ``async
def`` works too: its starter keeps the signatures and docstrings).

*Multiple choice* — ``MultipleChoice("Q3 · ...", question="...",
options={"option text": "why it is right or wrong", ...}, answer="B")``.
Every option needs its explanation. Show the options with a cell holding
just ``ex.q3`` before the solution cell; the solution cell is
``choice = "B"``; the learner may answer with the letter or the text.
``answer=["A", "C"]`` makes a select-all-that-apply question. Across a
chapter's single-answer questions no letter may hold more than 40 % of the
right answers, and the right option may be the longest in at most half.

*Decision* — ``Decision("Q4 · launch?", question="...", options={"ship":
"...", "don't ship": "...", "run longer": "..."}, answer="ship")``: the
same, shown as a decision; the feedback for each option gives the
reasoning.

*A design* — ``Exercise("Q5 · layers", checker=..., kind="design")``: the
learner builds an object of the package (a set of layers, a ramp plan, an
``ExperimentPlan``, a rule set) and ``checker`` validates it with the
package's own rules, returning the first requirement that fails.

Every exercise has a ``kind`` ("compute", "implement", "judgment" or
"design"); :func:`exercise_counts` tallies a chapter's exercises by kind for
its closing cell.

Then ``make notebooks`` and ``make test``.
"""

from .build import WorkbookError
from .choice import Decision, MultipleChoice
from .exercise import KINDS, Exercise, Feedback, Note, Status, Verified, exercise_counts
from .values import compare

__all__ = [
    "KINDS",
    "Decision",
    "Exercise",
    "Feedback",
    "MultipleChoice",
    "Note",
    "Status",
    "Verified",
    "WorkbookError",
    "compare",
    "exercise_counts",
]
