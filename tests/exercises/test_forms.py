"""Select-all-that-apply and estimate-the-number questions: what they accept,
what they say, and that a chapter module owns them (so the build finds them)."""

import pytest

from xplab.exercises import nb00, nb01
from xplab.exercises._forms import Estimate, MultiSelect
from xplab.workbook import Status, exercise_counts

OPTIONS = {
    "a true statement": (True, "why a holds"),
    "a false statement": (False, "why b does not"),
    "another true one": (True, "why c holds"),
}


def _select() -> MultiSelect:
    return MultiSelect("Q · pick", question="Which hold?", options=OPTIONS)


@pytest.mark.parametrize("answer", [{"A", "C"}, ["c", "a"], "A, C", "a and c", "AC", ("A", "C")])
def test_multiselect_accepts_the_set_in_any_spelling(answer):
    fb = _select().check(answer)
    assert fb.correct, fb
    assert "**B** does not hold: why b does not" in fb.message


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ({"A", "B", "C"}, "B does not hold: why b does not."),
        ({"A"}, "One statement that holds is missing."),
        ({"B"}, "B does not hold: why b does not. 2 statements that hold are missing."),
        ("Z", "'Z' is not one of the letters A, B, C"),
        (set(), "you picked nothing"),
        (3, "answer with the letters of every statement that holds"),
    ],
)
def test_multiselect_explains_what_is_wrong(answer, says):
    fb = _select().check(answer)
    assert fb.status is Status.INCORRECT
    assert says in fb.message


def test_multiselect_shows_its_options_and_refuses_bad_definitions():
    text = _select()._repr_markdown_()
    assert "- **B** · a false statement" in text and "set of letters" in text
    assert _select().answer == frozenset({"A", "C"})
    with pytest.raises(ValueError, match="at least one option must be true"):
        MultiSelect("Q", question="?", options={"a": (False, "x"), "b": (False, "y")})
    with pytest.raises(ValueError, match=r"options\['a'\] must be \(True or False, 'why'\)"):
        MultiSelect("Q", question="?", options={"a": (1, "x"), "b": (False, "y")})


def _estimate(**kw) -> Estimate:
    return Estimate("Q · n", expected=lambda: 0.2, within=1.5, how="Because.", **kw)


@pytest.mark.parametrize(
    ("answer", "correct"), [(0.2, True), (0.14, True), (0.29, True), (0.13, False), (0.31, False)]
)
def test_estimate_counts_within_its_factor(answer, correct):
    assert _estimate().check(answer).correct is correct


def test_estimate_feedback():
    assert "within a factor of 1.5 of the exact 0.2. Because." in _estimate().check(0.25).message
    assert "about 2.0 times too high" in _estimate().check(0.4).message
    assert "looks like a percentage: give a fraction (0.2, not 20)" in _estimate().check(20).message
    assert "wrong sign" in _estimate().check(-0.2).message
    assert "answer with one number" in _estimate().check("0.2").message
    simulated = _estimate(reference="the simulated").check(0.2).message
    assert "of the simulated 0.2" in simulated
    with pytest.raises(ValueError, match="within must be a factor above 1"):
        Estimate("Q", expected=lambda: 1, within=1.0, how="x")


def test_the_chapter_module_owns_its_forms():
    # the build and solution() look an exercise up in the module that defines it
    assert nb00.q5._module == "xplab.exercises.nb00"
    assert nb01.q10._module == "xplab.exercises.nb01"
    assert nb00.q5.kind == nb00.q6.kind == "judgment"
    assert exercise_counts(nb00)["judgment"] == 5
