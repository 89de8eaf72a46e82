import pytest

from xplab.workbook import Decision, MultipleChoice, Status


def _mc():
    return MultipleChoice(
        "Q3 · p-value",
        question="What does p = 0.03 mean?",
        options={
            "P(H0 is true) = 0.03": "A p-value is computed assuming H0; it is not its probability.",
            "Data this extreme would occur 3 % of the time if H0 were true": "The definition.",
            "The effect is 3 %": "The p-value says nothing about the size of the effect.",
        },
        answer="B",
        hints=["Think about what is assumed when the p-value is computed."],
    )


def test_answer_by_letter_or_text_with_feedback_per_option():
    q = _mc()
    assert q.check("B").correct and q.check(" (b) ").correct
    assert q.check("data this extreme would occur 3 % of the time if H0 were true").correct
    wrong = q.check("A")
    assert wrong.status is Status.INCORRECT
    assert "A is not it: A p-value is computed assuming H0" in wrong.message
    assert "size of the effect" in q.check("the effect is 3 %").message
    assert "not one of the options" in q.check("D").message
    assert "not a value of type float" in q.check(0.03).message
    assert q.check(None).status is Status.UNATTEMPTED


def test_correct_feedback_and_solution_explain_the_right_option():
    q = _mc()
    assert "The definition." in q.check("B").message
    assert "**B · Data this extreme" in q.solution().body


def test_options_render_for_jupyterlab():
    q = _mc()
    md = q._repr_markdown_()
    assert md.startswith("**Q3 · p-value**\n\nWhat does p = 0.03 mean?")
    assert "- **A** · P(H0 is true) = 0.03" in md and "- **C** · The effect is 3 %" in md
    assert q.options().body in md and "Answer with a letter" in md


def test_decision_accepts_spellings_and_explains_the_reasoning():
    q = Decision(
        "Q9 · launch",
        question="CI +0.2 to +1.4 pp, break-even +0.5 pp.",
        options={
            "ship": "Positive with 95 % confidence; expected value favours it.",
            "don't ship": "The CI excludes zero.",
            "run longer": "Extending after looking is peeking.",
        },
        answer="ship",
    )
    assert q.check("Ship").correct and q.check("a").correct
    for spelling in ("dont ship", "Do not ship", "don’t ship", "B"):
        assert "“don't ship” is not it: The CI excludes zero." in q.check(spelling).message
    assert "peeking" in q.check("run longer").message
    assert "Answer with the decision's text" in q._repr_markdown_()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"options": {"only": "why"}}, "at least two"),
        ({"options": {"a": "why", "b": ""}}, "needs feedback explaining why"),
        ({"options": {"Ship": "x", "ship": "y"}}, "two options read the same"),
        ({"answer": "Z"}, "neither an option's letter"),
        ({"question": ""}, "question must be non-empty"),
    ],
)
def test_bad_definitions_are_rejected(kwargs, message):
    args = {"question": "Q?", "options": {"a": "why a", "b": "why b"}, "answer": "a"}
    with pytest.raises(ValueError, match=message):
        MultipleChoice("Q", **{**args, **kwargs})


def test_the_decision_footer_uses_the_questions_own_first_option():
    q = Decision(
        "Q5 · the plan",
        question="Power at break-even is 0.37. What do you do?",
        options={"run six weeks": "Costly.", "run two weeks": "Yes.", "move the MDE": "No."},
        answer="B",
    )
    assert "(e.g. `'run six weeks'`)" in q._repr_markdown_()
    assert "ship" not in q._repr_markdown_()


def _several():
    return MultipleChoice(
        "Q · SRM causes",
        question="Which of these can cause a sample ratio mismatch?",
        options={
            "a redirect that drops some treatment users": "Yes: users lost in one arm.",
            "a bot filter applied after assignment": "Yes, when bots react to the change.",
            "a small true effect on clicks": "No: effects change outcomes, not counts.",
            "a holiday in the middle of the test": "No: it hits both arms alike.",
        },
        answer=["A", "B"],
    )


def test_select_all_that_apply():
    q = _several()
    assert q.multiple and q.answer_letters == ("A", "B") and q.kind == "judgment"
    for answer in (
        "AB",
        "a, b",
        "B and A",
        ["A", "B"],
        {"b", "a"},
        ["a redirect that drops some treatment users", "B"],
    ):
        assert q.check(answer).correct, answer
    fb = q.check("AC")
    assert fb.status is Status.INCORRECT
    assert "C does not apply: No: effects change outcomes" in fb.message
    assert "1 right option is missing" in fb.message
    assert "2 right options are missing" in q.check(["D"]).message
    assert "not a selection of options" in q.check("maybe").message
    assert "Select every option that applies" in q._repr_markdown_()
    assert "**A · a redirect" in q.check("AB").message and "**B · a bot" in q.check("AB").message
    with pytest.raises(ValueError, match="at least one must be wrong"):
        MultipleChoice("Q", question="?", options={"a": "x", "b": "y"}, answer=["A", "B"])
