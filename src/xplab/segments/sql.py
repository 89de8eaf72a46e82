"""RFM features as one SQL query: the same text runs in DuckDB and in Spark SQL.

:func:`~xplab.segments.rfm_features` computes the features in pandas. A
warehouse computes them where the purchases live, with one ``GROUP BY
customer``; :func:`rfm_sql` writes that query once, in the SQL that DuckDB
and Spark share (no dialect-specific date functions, no quoted names), so
that both engines run the identical text and return the same numbers as
pandas (to about 1e-12: only the order of the additions differs).

The one convention it needs: purchase times are stored as **seconds since
1970-01-01 (UTC)**, a number (DuckDB: ``epoch(invoice_date)``; Spark:
``unix_timestamp``), because the two dialects spell date arithmetic
differently.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .._validate import check_date

__all__ = ["rfm_sql"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DAY_SECONDS = 86_400.0


def _identifier(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ValueError(
            f"{name} must be a plain SQL name (letters, digits and _, not starting with a "
            f"digit), got {value!r}"
        )
    return value


def rfm_sql(
    table: str,
    *,
    as_of: Any,
    customer: str = "customer_id",
    invoice: str = "invoice",
    time: str = "t",
    revenue: str = "revenue",
) -> str:
    """The query that computes :func:`~xplab.segments.rfm_features` inside a SQL engine.

    One row per customer with a purchase strictly before ``as_of``:
    ``recency_days`` = (as_of − last purchase) / 86,400 s, ``frequency`` =
    distinct invoices, ``monetary`` = the sum of revenue, ``tenure_days`` =
    (as_of − first purchase) / 86,400 s — the definitions of
    :func:`~xplab.segments.rfm_features`. The text is plain SQL that DuckDB
    and Spark SQL both run unchanged; the rows come back unordered (add an
    ``ORDER BY`` or sort the result).

    Parameters
    ----------
    table : str
        The table or view of purchase lines (a plain name).
    as_of : date
        The moment of the analysis (a string such as ``"2011-09-01"`` or a
        Timestamp; a time zone-naive moment is read as UTC).
    customer, invoice, time, revenue : str
        Column names (plain names): the customer id, the order id, the
        purchase time **in seconds since 1970-01-01 UTC** (a number) and the
        line's money.

    Returns
    -------
    str
        The query.

    Examples
    --------
    >>> import duckdb
    >>> p = pd.DataFrame({"customer_id": [7, 7, 7, 8], "invoice": ["1", "1", "2", "3"],
    ...     "invoice_date": pd.to_datetime(["2011-01-01", "2011-01-01", "2011-01-21", "2011-02-01"]),
    ...     "revenue": [10.0, 5.0, 20.0, 99.0]})
    >>> lines = duckdb.sql("SELECT *, epoch(invoice_date) AS t FROM p")
    >>> duckdb.sql(rfm_sql("lines", as_of="2011-01-31")).fetchall()
    [(7, 10.0, 2, 35.0, 30.0)]
    """
    table = _identifier(table, "table")
    cols = {"customer": customer, "invoice": invoice, "time": time, "revenue": revenue}
    names = [_identifier(v, n) for n, v in cols.items()]
    if len(set(names)) != len(names):
        raise ValueError(f"customer, invoice, time and revenue must be four columns, got {names}")
    moment = check_date(as_of, name="as_of")
    if moment.tzinfo is None:
        moment = moment.tz_localize("UTC")
    seconds = (moment - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
    at = repr(float(seconds))
    return (
        f"SELECT {customer},\n"
        f"       ({at} - MAX({time})) / {_DAY_SECONDS!r} AS recency_days,\n"
        f"       COUNT(DISTINCT {invoice}) AS frequency,\n"
        f"       SUM({revenue}) AS monetary,\n"
        f"       ({at} - MIN({time})) / {_DAY_SECONDS!r} AS tenure_days\n"
        f"FROM {table}\n"
        f"WHERE {time} < {at}\n"
        f"GROUP BY {customer}"
    )
