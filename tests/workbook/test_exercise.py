import numpy as np
import pandas as pd
import pytest

from xplab.workbook import Exercise, Status, compare


def test_three_kinds_of_feedback():
    ex = Exercise("Q", expected=lambda: 0.25, hints=["think"], solution="`0.25`")
    assert ex.check(None).status is Status.UNATTEMPTED
    assert ex.check().status is Status.UNATTEMPTED
    wrong = ex.check(0.3)
    assert wrong.status is Status.INCORRECT and "too high" in wrong.message
    assert ex.check(0.2).message.startswith("your value 0.2 is too low")
    assert ex.hint().body == "think" and "Solution" in repr(ex.solution())
    assert ex.check(0.25).correct
    assert ex.check(np.float64(0.25)).correct


def test_check_never_raises_on_odd_answers():
    ex = Exercise("Q", expected=lambda: 3)
    for odd in ["three", [1, 2], {"a": 1}, float("nan"), object(), True]:
        assert ex.check(odd).status is Status.INCORRECT


def test_function_answers_are_checked_on_cases():
    ex = Exercise("f", expected=lambda a, b: a + b, cases=[(1, 2), (0.5, 0.25)])
    assert ex.check(lambda a, b: a + b).correct
    assert ex.check(lambda a, b: None).status is Status.UNATTEMPTED
    fb = ex.check(lambda a, b: a * b)
    assert fb.status is Status.INCORRECT and "for arguments 1, 2" in fb.message
    raising = ex.check(lambda a, b: 1 / 0)
    assert raising.status is Status.INCORRECT and "ZeroDivisionError" in raising.message
    assert "expected a function" in ex.check(3).message


def test_boolean_series_feedback_counts_wrong_entries():
    ex = Exercise("S", expected=lambda: pd.Series([True, False, True, False]))
    assert "2 of 4 entries are not right" in ex.check(pd.Series([True, True, True, True])).message
    assert "expected shape (4,), got (2,)" in ex.check(pd.Series([True, False])).message
    assert ex.check(pd.Series([True, False, True, False])).correct


def test_custom_checker_and_choices():
    ex = Exercise("c", checker=lambda a: None if a in {"A", "B"} else "pick A or B")
    assert ex.check("A").correct and not ex.check("C").correct
    mc = Exercise("mc", expected=lambda: "ship", choices=["ship", "hold"])
    assert mc.check(" SHIP ").correct
    assert "not one of the options" in mc.check("maybe").message


def test_checker_that_raises_is_reported_not_raised():
    ex = Exercise("c", checker=lambda a: a["missing"])
    fb = ex.check({})
    assert fb.status is Status.INCORRECT and "KeyError" in fb.message


def test_assert_helpers():
    ex = Exercise("Q", expected=lambda: 1)
    assert ex.assert_correct(1).correct
    with pytest.raises(AssertionError, match="Not quite"):
        ex.assert_correct(2)
    assert ex.assert_incorrect(2).status is Status.INCORRECT
    with pytest.raises(AssertionError, match="expected 'not quite'"):
        ex.assert_incorrect(None)


def test_expected_is_computed_once():
    calls = []
    ex = Exercise("Q", expected=lambda: calls.append(1) or 5)
    ex.check(5)
    ex.check(4)
    assert ex.expected == 5 and len(calls) == 1


def test_hints_and_solution_render():
    # solution= is the deprecated fallback when no solution cell was captured
    ex = Exercise(
        "Q", expected=lambda: 1, hints=["first", "second"], solution="```python\nx = 1\n```"
    )
    assert "first" in ex.hint()._repr_markdown_() and "(hint 1 of 2)" in repr(ex.hint())
    assert "second" in repr(ex.hint(5))
    assert "x = 1" in ex.solution()._repr_markdown_()
    assert "No hint" in repr(Exercise("R", expected=lambda: 1).hint())


def test_feedback_renders_text_and_markdown():
    fb = Exercise("Q1", expected=lambda: 1).check(1)
    assert repr(fb).startswith("✅ Q1 — Correct")
    assert "**Correct**" in fb._repr_markdown_()


def test_bad_definitions_are_rejected():
    with pytest.raises(ValueError, match="exactly one of expected= or checker="):
        Exercise("Q")
    with pytest.raises(ValueError, match="cases= needs a reference function"):
        Exercise("Q", checker=lambda a: None, cases=[(1,)])


@pytest.mark.parametrize(
    ("answer", "expected", "ok"),
    [
        ((1, 2.0), (1, 2), True),
        ([1, 2, 3], (1, 2), False),
        (np.array([0.1, 0.2]), [0.1, 0.2 + 1e-12], True),
        ({"a", "b"}, {"a", "b"}, True),
        (["a"], {"a", "b"}, False),
        ("Treatment", "treatment", True),
        (True, False, False),
        (1, True, False),
        (pd.Series([1.0, 2.0]), pd.Series([1, 2]), True),
        (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]}), False),
        (("x", 1), ("x", 1), True),
    ],
)
def test_compare(answer, expected, ok):
    assert (compare(answer, expected) is None) is ok


# -- tolerant, teaching feedback ------------------------------------------------


def test_a_value_as_printed_to_4_significant_digits_is_accepted():
    srm = Exercise("srm", expected=lambda: 1.9751234e-08)
    assert srm.check(1.975e-08).correct  # as the SRMResult repr prints it
    assert Exercise("pred", expected=lambda: 3.88312).check(3.883).correct
    assert not Exercise("pred", expected=lambda: 3.88312).check(3.884).correct


def test_exact_questions_refuse_the_printed_value():
    ex = Exercise("exact", expected=lambda: 3.88312, exact=True)
    assert not ex.check(3.883).correct and ex.check(3.8831200001).correct


def test_sample_sizes_must_be_rounded_up():
    # 31,262 = abtest.sample_size_proportions(0.17, 0.05, relative=True), unrounded 31,261.14;
    # 31,258.04 = NormalIndPower().solve_power(proportion_effectsize(0.1785, 0.17), alpha=0.05, power=0.8)
    ex = Exercise("n", expected=lambda: 31_262, round_up=True, unit="user")
    assert ex.check(31_262).correct and ex.check(31_262.0).correct
    for value in (31_261.14, 31_258.04):
        fb = ex.check(value)
        assert not fb.correct and "round up to the next whole user" in fb.message
        assert "too low" not in fb.message
    assert "round **up**" in ex.check(31_261).message
    assert "too low" in ex.check(985).message


def test_a_percentage_is_found_by_comparing_with_100_times_the_value():
    fb = Exercise("ctr", expected=lambda: 0.25).check(25)
    assert "25 is 100 × the expected value" in fb.message and "fraction: 0.25" in fb.message
    # the hint uses the learner's own number, also rounded, also above 1
    assert "fraction: 0.37" in Exercise("p", expected=lambda: 0.36725).check(37).message
    assert "fraction: 0.072" in Exercise("p", expected=lambda: 0.0722789).check(7.2).message
    assert "fraction: 0.002555" in Exercise("d", expected=lambda: 0.0025554).check(0.2555).message
    assert "100 ×" in Exercise("r", expected=lambda: 2.3875).check(238.75).message
    # a count is never a percentage, whatever its value
    assert "100 ×" not in Exercise("n", expected=lambda: 1).check(100).message


def test_values_rounded_to_two_digits_or_more_are_right_with_the_precise_value_shown():
    ex = Exercise("p", expected=lambda: 0.36725106)
    for value, digits in ((0.37, 2), (0.367, 3), (0.3673, 4), (0.36725, 5)):
        fb = ex.check(value)
        assert fb.correct and f"rounded to {digits} significant digits" in fb.message
        assert "the precise value is 0.367251" in fb.message
    assert ex.check(0.36725106).message == "well done."
    assert not ex.check(0.4).correct  # one digit is not enough
    big = Exercise("usd", expected=lambda: 30_378_875.3)
    assert big.check(30.4e6).correct and "30,378,875.30" in big.check(30.4e6).message
    assert Exercise("usd", expected=lambda: 5004.10).check(5000).correct  # "about USD 5,000"
    assert Exercise("d", expected=lambda: -0.010962).check(-0.011).correct
    exact = Exercise("p", expected=lambda: 0.36725106, exact=True)
    assert not exact.check(0.37).correct


def test_the_notebooks_printed_format_is_accepted_even_with_one_digit():
    ex = Exercise("p", expected=lambda: 0.0041234, printed=".3f")
    fb = ex.check(0.004)
    assert fb.correct and "as the notebook prints it" in fb.message and "0.0041234" in fb.message
    assert not Exercise("p", expected=lambda: 0.0041234).check(0.004).correct
    with pytest.raises(ValueError, match="printed"):
        Exercise("p", expected=lambda: 1.0, printed=".1%")


def test_rounded_arrays_are_right_with_the_precise_values_shown():
    ex = Exercise("holm", expected=lambda: np.array([0.52839511, 0.17175327, 0.25016083]))
    fb = ex.check([0.528, 0.172, 0.250])
    assert fb.correct and "0.528395, 0.171753, 0.250161" in fb.message
    assert "element 1" in ex.check([0.528, 0.175, 0.250]).message


def test_a_near_miss_names_what_usually_differs_not_only_rounding():
    fb = Exercise("p", expected=lambda: 0.36725).check(0.36891)
    assert "close:" in fb.message and "0.45% off" in fb.message
    assert "which mean, which variance or denominator" in fb.message
    typed = Exercise("p", expected=lambda: 0.36725).check(0.368)
    assert "not the expected value rounded" in typed.message
    cut = Exercise("p", expected=lambda: 0.36725).check(0.36)
    assert "cut off after 2 significant digits" in cut.message
    assert "0.1760" in Exercise("p", expected=lambda: 0.17613).check(0.17604).message
    far = Exercise("p", expected=lambda: 0.17613).check(0.5)
    assert "close" not in far.message and "too high" in far.message


def test_known_mistakes_are_named_and_alternatives_accepted_with_their_note():
    ex = Exercise(
        "n",
        expected=lambda: 31_262,
        round_up=True,
        unit="user",
        accept={"statsmodels' NormalIndPower on Cohen's h: accepted.": lambda: 31_259},
        mistakes={"that is an absolute lift of 5 points": lambda: 985},
    )
    fb = ex.check(31_259)
    assert fb.correct and "NormalIndPower" in fb.message and "gives 31,262" in fb.message
    assert ex.check(985).message.startswith("that is an absolute lift of 5 points.")
    assert "round up" in ex.check(31_258.04).message
    assert dict(ex.mistakes) and dict(ex.accepted) and not ex.is_function
    mean = Exercise(
        "pred",
        expected=lambda: 3.8826,
        mistakes={"that is the unweighted mean of the deviations": lambda: 3.8712},
    )
    assert "unweighted" in mean.check(3.8712).message
    assert "unweighted" in mean.check(3.87).message  # the mistake, rounded
    with pytest.raises(TypeError, match="mistakes"):
        Exercise("x", expected=lambda: 1, mistakes={"why": 2})
    with pytest.raises(ValueError, match="accept= and mistakes= need expected="):
        Exercise("x", checker=lambda a: None, mistakes={"why": lambda: 2})


def test_function_checks_name_the_mistake_a_function_makes_on_every_case():
    def precision(recommended, relevant, k):
        return sum(i in relevant for i in recommended[:k]) / k

    def by_length(recommended, relevant, k):
        return sum(i in relevant for i in recommended[:k]) / len(recommended[:k])

    ex = Exercise(
        "p@k",
        expected=precision,
        cases=[([1, 2, 3], {1, 3}, 2), ([5, 6], {5}, 4), ([], {1}, 3)],
        mistakes={"that divides by the list's length, not k": by_length},
    )
    assert ex.check(precision).correct
    assert "not k" in ex.check(by_length).message  # raises on the empty list, like the mistake

    def guarded(recommended, relevant, k):
        return by_length(recommended, relevant, k) if recommended else 0.0

    assert "not k" in ex.check(guarded).message  # the same mistake, with a guard
    fb = ex.check(lambda recommended, relevant, k: None if recommended else 0.0)
    assert "returns `None` for arguments" in fb.message


def test_a_percentage_function_is_told_only_when_every_case_says_so():
    ex = Exercise("lift", expected=lambda c, t: (t - c) / c, cases=[(0.10, 0.11), (0.25, 0.20)])
    fb = ex.check(lambda c, t: (t - c) / c * 100)
    assert "100 × the expected value, a percentage (10 for arguments 0.1, 0.11)" in fb.message
    constant = ex.check(lambda c, t: 10)
    assert "100 ×" not in constant.message and "too high" in constant.message
    assert "sign flipped" in ex.check(lambda c, t: (c - t) / c).message


def test_estimate_items_accept_a_band_and_show_the_precise_value():
    ex = Exercise("users", expected=lambda: 38_809, estimate=0.25)
    assert ex.kind == "judgment"
    fb = ex.check(40_000)
    assert fb.correct and "38,809" in fb.message and "3% above" in fb.message
    assert "more than 25% too high" in ex.check(60_000).message
    with pytest.raises(ValueError, match="estimate"):
        Exercise("users", expected=lambda: 1.0, estimate=2)


def test_the_checkers_own_tests_display_nothing_in_a_notebook():
    from IPython.core.formatters import DisplayFormatter

    ex = Exercise("Q", expected=lambda: 1)
    verified = ex.assert_incorrect(2)
    assert verified.status is Status.INCORRECT and "too high" in verified.message
    assert DisplayFormatter().format(verified) == ({}, {})  # no output at all
    assert DisplayFormatter().format(ex.check(2))[0]  # a check still shows its feedback
    assert repr(verified).startswith("🔁 Q — Not quite")


def test_a_flipped_sign_is_named():
    assert "sign is flipped" in Exercise("d", expected=lambda: 0.0078).check(-0.0078).message


def test_a_result_object_names_its_field_without_dumping_it():
    from xplab import abtest

    result = abtest.proportion_test(100, 1000, 130, 1000)
    fb = Exercise("p", expected=lambda: result.p_value).check(result)
    assert "you passed the result object (ProportionTestResult): give its `.p_value`" in fb.message
    assert "0.0" not in fb.message and "estimate=" not in fb.message
    other = Exercise("p", expected=lambda: 0.5).check(result)
    assert "give the one number the question asks for" in other.message
    assert "remove the quotes" in Exercise("p", expected=lambda: 0.5).check("0.5").message
    assert "`.item()`" in Exercise("p", expected=lambda: 0.5).check(np.array([0.5])).message


def test_a_boolean_array_is_accepted_for_a_boolean_series():
    want = pd.Series([True, False, True], index=[10, 11, 12])
    ex = Exercise("flags", expected=lambda: want)
    assert ex.check(np.array([True, False, True])).correct
    assert ex.check([True, False, True]).correct
    assert ex.check(want.rename("mine")).correct
    assert "1 of 3 entries" in ex.check(np.array([True, True, True])).message
    assert "got shape (2,)" in ex.check(np.array([True, False])).message
    assert "True/False values" in ex.check(np.array([1, 0, 1])).message
    assert "different index" in ex.check(pd.Series([True, False, True])).message


def test_forbidden_answers_are_refused_even_when_the_values_match():
    truth = pd.Series([True, False], name="is_bot")

    def no_ground_truth(answer):
        return "not the ground truth" if getattr(answer, "name", None) == "is_bot" else None

    ex = Exercise("bots", expected=lambda: truth.rename(None), forbidden=no_ground_truth)
    fb = ex.check(truth)
    assert not fb.correct and "not the ground truth" in fb.message
    assert ex.check(truth.rename("flag")).correct


def test_kind_defaults_and_validation():
    from xplab.workbook import Decision, MultipleChoice, exercise_counts

    assert Exercise("v", expected=lambda: 1).kind == "compute"
    assert Exercise("f", expected=abs, cases=[(1,)]).kind == "implement"
    assert Exercise("d", checker=lambda a: None, kind="design").kind == "design"
    mc = MultipleChoice("m", question="?", options={"a": "x", "b": "y"}, answer="A")
    dec = Decision("d", question="?", options={"ship": "x", "wait": "y"}, answer="ship")
    assert mc.kind == dec.kind == "judgment"
    with pytest.raises(ValueError, match="kind must be one of"):
        Exercise("x", expected=lambda: 1, kind="essay")
    import xplab.exercises.nb01 as nb01

    counts = exercise_counts(nb01)
    assert counts["total"] == sum(counts[k] for k in ("compute", "implement", "judgment", "design"))
    assert counts["judgment"] >= 1
    with pytest.raises(ValueError, match="no exercises"):
        exercise_counts(pytest)
