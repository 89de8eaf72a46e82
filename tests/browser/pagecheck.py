"""What a learner would see as broken on a rendered page, as plain functions.

The browser tests collect text from the page (JupyterLab or the course site)
and ask these functions what is wrong with it; ``test_pagecheck.py`` tests the
rules on small strings, without a browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------- math in Markdown

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
# the delimiters JupyterLab's Markdown renderer hands to MathJax, longest first
_MATH = re.compile(
    r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\\begin\{(?P<env>[a-zA-Z*]+)\}.+?\\end\{(?P=env)\}"
    r"|(?<![\\$])\$(?P<inline>[^$]+?)(?<!\\)\$(?!\$)",
    re.S,
)
# commands whose argument is prose, not math
_TEXT_GROUPS = re.compile(
    r"\\(?:text\w*|mathrm|operatorname|mbox|textrm|textit|textbf)\s*\{[^{}]*\}"
)


@dataclass(frozen=True)
class Math:
    """One math segment of a Markdown source: its TeX and whether it is inline (``$…$``)."""

    tex: str
    inline: bool


def without_code(markdown: str) -> str:
    """``markdown`` with fenced code blocks and inline code spans removed (no math there)."""
    return _CODE_SPAN.sub(" ", _FENCE.sub("\n", markdown))


def math_segments(markdown: str) -> list[Math]:
    """The math segments MathJax will typeset in a Markdown cell's source.

    >>> [m.tex for m in math_segments("a $x^2$ and $$y$$ but not `$z$`")]
    ['x^2', 'y']
    """
    found = []
    for m in _MATH.finditer(without_code(markdown)):
        if m["env"]:
            tex = m.group(0)
        else:
            tex = next(g for g in (m["display"], m["bracket"], m["paren"], m["inline"]) if g)
        found.append(Math(tex, inline=m["inline"] is not None))
    return found


def reads_as_prose(segment: Math) -> bool:
    """Whether an inline segment is prose between two dollar amounts (``$5 and $10``).

    A learner sees the words between the amounts set in italic math, without
    spaces. Inline math that starts with a number and holds an ordinary word
    outside ``\\text{}`` is that mistake (the course writes "USD 5").

    >>> reads_as_prose(Math("5 and ", inline=True)), reads_as_prose(Math("x + 1", inline=True))
    (True, False)
    """
    if not segment.inline:
        return False
    tex = _TEXT_GROUPS.sub(" ", segment.tex)
    return bool(re.match(r"\s*\d", tex)) and bool(re.search(r"(?<![\\A-Za-z])[a-z]{2,}", tex))


# TeX delimiters still visible in rendered text: MathJax never saw or never finished them
_RAW_MATH = re.compile(
    r"\$\$.+?\$\$"
    r"|\\\[|\\\]|\\\(|\\\)"
    r"|\\begin\{"
    r"|(?<![\w$])\$(?:[^\s$]|[^\s$][^$\n]*?[^\s$\\])\$(?![\w$])",
    re.S,
)


def raw_math(text: str) -> list[str]:
    """Pieces of TeX left in rendered text (math and code already taken out).

    A dollar amount written as ``\\$5`` renders as "$5" and is not TeX;
    ``$x$`` or ``$$…$$`` still in the text is.

    >>> raw_math("costs $5 and $10 a month"), raw_math("p is $x$ here")
    ([], ['$x$'])
    """
    return [m.group(0)[:80] for m in _RAW_MATH.finditer(text)]


# ---------------------------------------------------------------------------- progress bars

_TQDM = re.compile(r"(?P<percent>\d{1,3})%\|")


def text_bars(text: str) -> list[int]:
    """The percentages of the tqdm text bars in ``text`` (``" 40%|████      | 2/5"``)."""
    return [int(m["percent"]) for m in _TQDM.finditer(text)]


@dataclass(frozen=True)
class Output:
    """One output of a cell as the page shows it."""

    output_type: str  # stream, error, display_data, execute_result (nbformat's names)
    name: str  # stdout / stderr for streams, else ""
    mime: str  # the MIME type JupyterLab rendered
    text: str  # the text the page shows
    visible: bool = True
    bars: tuple[float, ...] = ()  # widget progress bars: fraction done, 0-1


def progress_problems(outputs: list[Output]) -> list[str]:
    """What is wrong with the progress bars among a cell's outputs, once its work is done.

    A bar stopped short of 100 % (a text bar or a widget), and any bar written
    to stderr, which JupyterLab shows as a pink error box.

    >>> progress_problems([Output("display_data", "", "text/plain", "  0%|   | 0/5")])
    ['a progress bar frozen at 0 %: "0%|   | 0/5"']
    """
    problems = []
    for out in outputs:
        if not out.visible:
            continue
        percents = text_bars(out.text)
        snippet = out.text.strip().splitlines()[-1][:70] if out.text.strip() else ""
        if percents and out.name == "stderr":
            problems.append(f'a progress bar on stderr (a pink box): "{snippet}"')
        elif percents and percents[-1] < 100:
            problems.append(f'a progress bar frozen at {percents[-1]} %: "{snippet}"')
        for done in out.bars:
            if done < 1:
                problems.append(f"a progress widget stopped at {done:.0%}")
    return problems


# ---------------------------------------------------------------------------- exercises

# ex.q3.check(choice): the check of an exercise's answer (not a demonstration on a literal)
CHECK_CELL = re.compile(
    r"^\s*ex\.(q\d+)\.check\(\s*(?!(?:None|True|False)\b)([A-Za-z_]\w*)\s*\)\s*$"
)
# ex.q1.check(0.5): a check of a literal value, shown on purpose to demonstrate the feedback
DEMONSTRATION = re.compile(
    r"""^\s*ex\.q\d+\.check\(\s*(?:[-+]?[\d.][\d._eE+-]*|"[^"]*"|'[^']*')\s*\)\s*$"""
)


def exercise_cells(cells: list[tuple[str, str]], exercise: str) -> tuple[int, int, str]:
    """(answer cell, check cell, answer name) of ``exercise`` among ``(cell_type, source)`` pairs.

    The check cell is ``ex.qN.check(name)``; the answer cell is the closest code
    cell before it that assigns ``name``.

    >>> exercise_cells([("code", "x = None  # YOUR CODE HERE"), ("code", "ex.q1.check(x)")], "q1")
    (0, 1, 'x')
    """
    for index, (kind, source) in enumerate(cells):
        check = CHECK_CELL.match(source)
        if kind == "code" and check and check[1] == exercise:
            name = check[2]
            assigns = re.compile(rf"^{re.escape(name)}\s*=", re.M)
            for earlier in range(index - 1, -1, -1):
                if cells[earlier][0] == "code" and assigns.search(cells[earlier][1]):
                    return earlier, index, name
            raise LookupError(f"no cell assigns `{name}` before the check of {exercise}")
    raise LookupError(f"no cell `ex.{exercise}.check(<answer>)`")


# ---------------------------------------------------------------------------- feedback


def words(text: str) -> list[str]:
    """The words of ``text`` (Markdown or rendered), lower-cased, without markup or punctuation.

    >>> words("**B** is not it: `p` < 0.05, *not* so.")
    ['b', 'is', 'not', 'it', 'p', '0', '05', 'not', 'so']
    """
    return re.findall(r"\w+", text.casefold())


def contains_words(haystack: str, needle: str) -> bool:
    """Whether the words of ``needle`` appear, in order and together, in ``haystack``."""
    want, have = words(needle), words(haystack)
    if not want:
        return True
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))
