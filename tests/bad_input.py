"""Table-driven bad-input checks shared by every module's table.

A row (:class:`Spec`) gives a valid call and the *kind* of each argument; every
bad value of that kind (:data:`BAD`) replaces the valid one in turn, and the
call must raise a ``ValueError`` or ``TypeError`` whose message names the
argument. Values that only make sense for one argument (a probability above
1, a weight vector that does not sum to 1) go in ``extra``.

Run this file's sibling ``tests/test_bad_input.py`` as a script to print the
tally (tried / rejected clearly, per module).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

COUNT = "count"  # a whole number: sizes, counts, k
REAL = "real"  # a finite real number
ARRAY = "array"  # a 1-D array of numbers
FLAG = "flag"  # True or False
CHOICE = "choice"  # one of a fixed set of strings
PAIR = "pair"  # two positive numbers, e.g. a Beta prior
TEXT = "text"  # a non-empty string: a name, a label, a question
COLUMN = "column"  # the name of a column of a DataFrame argument
FRAME = "frame"  # a pandas DataFrame
SEED = "seed"  # int >= 0, numpy Generator or None
NAMES = "names"  # a list of strings (e.g. column names)
OTHER = "other"  # only the row's own ``extra`` values

# what each kind of argument must refuse; the valid value is substituted by these
BAD: dict[str, dict[str, Any]] = {
    COUNT: {
        "numeric string": "10",
        "boolean": True,
        "NaN": float("nan"),
        "inf": float("inf"),
        "None": None,
        "fraction": 2.5,
        "negative": -3,
    },
    REAL: {
        "numeric string": "0.1",
        "boolean": True,
        "NaN": float("nan"),
        "inf": float("inf"),
        "None": None,
    },
    ARRAY: {
        "numeric strings": ["1", "2", "3", "4"],
        "NaN": [1.0, float("nan"), 2.0, 3.0],
        "inf": [1.0, float("inf"), 2.0, 3.0],
        "None": None,
        "None inside": [1.0, None, 2.0, 3.0],
        "string": "1234",
        "2-D": [[1.0, 2.0], [3.0, 4.0]],
    },
    FLAG: {"int 1": 1, "string": "False", "None": None, "float": 1.0},
    CHOICE: {"unknown": "greater", "None": None, "int": 1, "list": ["two-sided"]},
    PAIR: {
        "None": None,
        "scalar": 1.0,
        "triple": (1, 1, 1),
        "strings": ("1", "1"),
        "booleans": (True, True),
    },
    TEXT: {"None": None, "int": 1, "empty": "", "bytes": b"name"},
    COLUMN: {"None": None, "int": 1, "missing": "no_such_column"},
    FRAME: {
        "None": None,
        "string": "frame.csv",
        "dict": {"a": [1, 2]},
        "nested list": [[1, 2], [3, 4]],
    },
    SEED: {"numeric string": "1", "boolean": True, "fraction": 1.5, "negative": -1},
    NAMES: {"None": None, "bare string": "abc", "int inside": [1], "empty": []},
    OTHER: {},
}

WRONG_LENGTH = "wrong length"


@dataclass
class Spec:
    """A valid call of one public callable and the kind of each argument."""

    call: Callable[..., Any]
    valid: dict[str, Any]
    kinds: dict[str, str]
    # arrays that must match in length: (first, second); the second loses its last entry
    paired: list[tuple[str, str]] = field(default_factory=list)
    # extra bad values of some arguments (e.g. a probability above 1)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    # arguments for which None is valid (it means "not given")
    optional: tuple[str, ...] = ()
    # bad-value labels of the kinds that do not apply to an argument, with why:
    # {arg: {label: reason}}
    valid_here: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One bad value of one argument of one public callable."""

    module: str
    function: str  # the row's name: a public name, or "Name.method"
    arg: str
    label: str
    value: Any

    @property
    def id(self) -> str:
        return f"{self.module}:{self.function}-{self.arg}-{self.label}"


def cases(module: str, specs: Mapping[str, Spec]) -> list[Case]:
    out = []
    for fname, spec in specs.items():
        for arg, kind in spec.kinds.items():
            bad = {**BAD[kind], **spec.extra.get(arg, {})}
            if arg in spec.optional:
                bad.pop("None", None)
            for label in spec.valid_here.get(arg, {}):
                bad.pop(label)
            for label, value in bad.items():
                out.append(Case(module, fname, arg, label, value))
        for _, second in spec.paired:
            out.append(Case(module, fname, second, WRONG_LENGTH, None))
    return out


def call_with(spec: Spec, case: Case) -> Any:
    kwargs = dict(spec.valid)
    if case.label == WRONG_LENGTH:
        kwargs[case.arg] = kwargs[case.arg][:-1]
    else:
        kwargs[case.arg] = case.value
    return spec.call(**kwargs)


def names_argument(message: str, arg: str) -> bool:
    """The message names ``arg`` as a word (``n_c`` does not match ``n_c_total``)."""
    return re.search(rf"(?<![\w]){re.escape(arg)}(?![\w])", message) is not None


def outcome(spec: Spec, case: Case) -> str:
    """'clear', 'unnamed' (error without the argument's name), 'accepted' or 'other error'."""
    try:
        call_with(spec, case)
    except (ValueError, TypeError) as exc:
        return "clear" if names_argument(str(exc), case.arg) else "unnamed"
    except Exception as exc:
        return f"other error ({type(exc).__name__})"
    return "accepted"


def public_name(row: str) -> str:
    """The public name a row tests: ``"Layer.add"`` and ``"assign [layer]"`` test
    ``Layer`` and ``assign``."""
    return re.split(r"[. ]", row)[0]


def uncovered(
    module: ModuleType,
    specs: Iterable[str],
    not_called: Mapping[str, str],
    pending: Iterable[str] = (),
) -> set[str]:
    """Public names of ``module`` with neither a row nor a listed reason."""
    covered = {public_name(name) for name in specs} | set(not_called) | set(pending)
    return set(module.__all__) - covered


def stale(module: ModuleType, names: Iterable[str]) -> set[str]:
    """Listed names that are no longer public (a renamed function keeps no row)."""
    return {public_name(name) for name in names} - set(module.__all__)
