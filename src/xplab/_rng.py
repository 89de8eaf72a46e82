"""The one place where seeds become random generators.

Every function in xplab that needs randomness takes ``seed: int |
np.random.Generator | None`` and passes it through :func:`as_generator`.
The global NumPy seed is never touched, so results do not depend on the order
in which notebook cells run.
"""

from __future__ import annotations

import numbers

import numpy as np

SeedLike = int | np.random.Generator | None


def as_generator(seed: SeedLike, *, name: str = "seed") -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
        An int gives a reproducible generator; a Generator is returned as is
        (so callers can share one stream); None gives fresh OS entropy.
    name : str
        The argument name used in the error message.

    Examples
    --------
    >>> int(as_generator(42).integers(10))
    0
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed < 0:
            raise ValueError(f"{name} must be a non-negative int, got {seed}")
        return np.random.default_rng(int(seed))
    raise ValueError(
        f"{name} must be an int, a numpy.random.Generator or None, got {type(seed).__name__}"
    )
