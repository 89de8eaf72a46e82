"""Organ donation registrations by US state and quarter (Kessler & Roth 2014).

California switched its driver's-licence sign-up question to *active choice*
from 2011 Q3; the other 26 states are the comparison group chosen by Kessler
and Roth. The data ship inside the ``causaldata`` package (MIT licence, PyPI),
a dependency of xplab, so nothing is stored in this repository and nothing is
downloaded. The example is chapter 18 of Huntington-Klein, *The Effect*.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ADOPTION_QUARTER = 4  # 2011 Q3 in the 1 = 2010 Q4 numbering of ``quarter_num``
TREATED_STATE = "California"


def load_organ_donations() -> pd.DataFrame:
    """Load the organ-donation panel: 27 states × 6 quarters, tidy.

    Source: Kessler, J. B. and Roth, A. E. (2014), "Don't take 'no' for an
    answer: an experiment with actual organ donor registrations", NBER working
    paper 20378; distributed as ``organ_donations`` in the ``causaldata``
    package (MIT).

    Returns
    -------
    DataFrame
        One row per state and quarter, sorted by state and quarter:

        - ``state`` (str), ``quarter`` (str, e.g. ``"Q32011"``),
        - ``quarter_num`` (int, 1 = 2010 Q4, …, 6 = 2012 Q1),
        - ``rate`` (float, the share of licence applicants who registered
          as organ donors),
        - ``treated`` (int 0/1: California from 2011 Q3, ``quarter_num >= 4``),
        - ``first_treated`` (float: 4 for California, NaN — never treated —
          for every other state), the coding
          :func:`xplab.quasi.event_study` expects.

    Examples
    --------
    >>> df = load_organ_donations()
    >>> df.shape
    (162, 6)
    >>> int(df["treated"].sum())
    3
    """
    from causaldata import organ_donations  # imported on call: no work at import time

    raw = organ_donations.load_pandas().data
    df = pd.DataFrame(
        {
            "state": raw["State"].astype(str),
            "quarter": raw["Quarter"].astype(str),
            "quarter_num": raw["Quarter_Num"].astype(int),
            "rate": raw["Rate"].astype(float),
        }
    )
    is_ca = df["state"] == TREATED_STATE
    df["treated"] = (is_ca & (df["quarter_num"] >= ADOPTION_QUARTER)).astype(int)
    df["first_treated"] = np.where(is_ca, float(ADOPTION_QUARTER), np.nan)
    return df.sort_values(["state", "quarter_num"], ignore_index=True)
