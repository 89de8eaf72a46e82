r"""Two simulators calibrated on Online Retail, for the personalisation capstone.

Online Retail records what customers bought, not what they were shown, so
neither a homepage test nor a personalisation holdout can be replayed from
it. These simulators take from the data everything the data can tell, and
say what they assume on top.

:class:`RetailHomepage` — which homepage module comes first
-----------------------------------------------------------
Four modules compete for the first slot (:data:`MODULES`):

* **buy again** — products the customer bought on an earlier day (before
  ``as_of`` or earlier in the period: the list updates as they buy);
* **best sellers** — the ``best_sellers`` products bought by the most
  customers in the ``best_window_days`` days before ``as_of``;
* **new in** — products first sold (by anyone, in the whole data) at most
  ``new_days`` days before the purchase;
* **seasonal** — products whose description names Christmas
  (:data:`SEASONAL_WORDS`; the period after ``as_of`` runs up to Christmas).

*Calibrated on the data* (:func:`module_shares`): for every customer who
buys in [``as_of``, ``end``), the share of their purchase lines in that
period that each module would have shown them (their *affinity* a[u, m]),
and how often they visit (their number of invoices in the period: frequent
buyers arrive more often). Customers first seen in the period are new: give
them a segment of their own.

*Assumed*: that a customer clicks the first module with probability

.. math:: p(u, m) = \text{base\_ctr} + \text{ctr\_per\_share} \cdot a[u, m],

linear in the affinity, with the defaults 2 % + 10 % × share (so between 2
and 12 %); that clicks are independent given (u, m); that only customers who
buy in the period visit; that a customer's preferences do not change over the
period (no novelty, no fatigue); and that showing one module first does not
change what the customer would buy. The click rates' *level* is therefore
an assumption; their *ranking* across modules and segments comes from the
data.

It has the shape of a :mod:`xplab.bandits` environment: each round a
customer arrives (with probability proportional to their visits), the
context is the one-hot vector of their segment, and ``draw`` returns the
click probability of every module.

:func:`simulate_retail_holdout` — a global holdout for personalisation
-----------------------------------------------------------------------
*Calibrated on the data*: each simulated user is a real customer drawn with
replacement, carrying that customer's revenue before ``as_of`` (the CUPED
covariate), revenue in [``as_of``, ``end``), whether they returned anything
in that period (a cancelled line), and how many distinct products they
bought — so the outcomes' skew, their zeros, and the correlation between
the periods are the real ones (with only as many distinct behaviours as
there are customers).

*Assumed*: the effects. A personalised user who has not opted out spends
(1 + ``lift``) times what they would have spent (users who would not have
bought still do not), returns something with a probability higher by
``return_effect`` (absolute), and buys (1 + ``products_effect``) times as
many distinct products (rounded at random to a whole number). Opt-outs are
drawn independently of everything else with probability ``opt_out_share``
and get the non-personalised experience whichever arm they are in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import (
    check_columns,
    check_count,
    check_date,
    check_probability,
    check_real,
)

__all__ = [
    "MODULES",
    "SEASONAL_WORDS",
    "RetailHoldout",
    "RetailHomepage",
    "module_shares",
    "simulate_retail_holdout",
]

#: The homepage modules, in the order of the bandit's arms.
MODULES = ("buy again", "best sellers", "new in", "seasonal")
#: Words that make a product seasonal (matched in its upper-cased description).
SEASONAL_WORDS = (
    "CHRISTMAS",
    "XMAS",
    "ADVENT",
    "SANTA",
    "REINDEER",
    "SNOWFLAKE",
    "NATIVITY",
    "BAUBLE",
)
_PURCHASE_COLUMNS = ["customer_id", "invoice", "invoice_date", "stock_code", "description"]


def _period(purchases: pd.DataFrame, as_of: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = check_date(as_of, name="as_of")
    stop = (
        purchases["invoice_date"].max() + pd.Timedelta(seconds=1)
        if end is None
        else check_date(end, name="end")
    )
    if not start < stop:
        raise ValueError(f"end ({stop}) must be after as_of ({start})")
    if not (purchases["invoice_date"] < start).any():
        raise ValueError(f"as_of: no purchase is before {start}")
    if not ((purchases["invoice_date"] >= start) & (purchases["invoice_date"] < stop)).any():
        raise ValueError(f"as_of, end: no purchase in [{start}, {stop})")
    return start, stop


def _check_purchases(purchases: Any, extra: Sequence[str] = ()) -> pd.DataFrame:
    check_columns(purchases, [*_PURCHASE_COLUMNS, *extra], name="purchases")
    if not pd.api.types.is_datetime64_any_dtype(purchases["invoice_date"]):
        raise ValueError("purchases: invoice_date must hold datetimes")
    if purchases["customer_id"].isna().any():
        raise ValueError("purchases: customer_id has missing ids (use clean_online_retail)")
    return purchases


def _seasonal_codes(purchases: pd.DataFrame, words: Sequence[str]) -> pd.Index:
    if isinstance(words, str) or not isinstance(words, Sequence) or not words:
        raise ValueError(f"seasonal_words must be a non-empty list of words, got {words!r}")
    if not all(isinstance(w, str) and w.strip() for w in words):
        raise ValueError(f"seasonal_words must hold non-empty strings, got {words!r}")
    pattern = "|".join(w.strip().upper() for w in words)
    desc = purchases.groupby("stock_code")["description"].first().fillna("").str.upper()
    return desc.index[desc.str.contains(pattern, regex=True)]


def module_shares(
    purchases: pd.DataFrame,
    *,
    as_of: Any,
    end: Any = None,
    best_sellers: int = 100,
    best_window_days: int = 90,
    new_days: int = 60,
    seasonal_words: Sequence[str] = SEASONAL_WORDS,
) -> pd.DataFrame:
    """Each customer's share of purchase lines in [as_of, end) that each module covers.

    Every customer who buys in the period is listed, including those first
    seen in it (``new``). See the module docstring for the four modules'
    contents.

    Parameters
    ----------
    purchases : DataFrame
        ``clean_online_retail(...).purchases`` (``customer_id``, ``invoice``,
        ``invoice_date``, ``stock_code``, ``description``).
    as_of, end : date
        The period: from ``as_of`` (included) to ``end`` (excluded; default:
        just after the last purchase).
    best_sellers, best_window_days, new_days : int
        Size of the best-seller list and the days it looks back; how recent a
        product's first sale must be for "new in".
    seasonal_words : list of str
        Words that make a product's description seasonal.

    Returns
    -------
    DataFrame
        Indexed by customer: one column per module of :data:`MODULES` (shares
        in [0, 1]; a line can be in several modules, so rows need not sum to 1),
        ``visits`` (invoices in the period) and ``new`` (no purchase before ``as_of``).

    Examples
    --------
    >>> p = pd.DataFrame({"customer_id": [1, 1, 1], "invoice": ["a", "b", "b"],
    ...     "invoice_date": pd.to_datetime(["2011-08-01", "2011-09-02", "2011-09-02"]),
    ...     "stock_code": ["X", "X", "Y"], "description": ["MUG", "MUG", "XMAS TREE"]})
    >>> module_shares(p, as_of="2011-09-01").loc[1].to_dict()
    {'buy again': 0.5, 'best sellers': 0.5, 'new in': 1.0, 'seasonal': 0.5, 'visits': 1, 'new': False}
    """
    p = _check_purchases(purchases)
    start, stop = _period(p, as_of, end)
    top = check_count(best_sellers, name="best_sellers", minimum=1)
    window = check_count(best_window_days, name="best_window_days", minimum=1)
    new = check_count(new_days, name="new_days", minimum=0)
    seasonal = _seasonal_codes(p, seasonal_words)
    before = p[p["invoice_date"] < start]
    period = p[(p["invoice_date"] >= start) & (p["invoice_date"] < stop)]
    recent = before[before["invoice_date"] >= start - pd.Timedelta(days=window)]
    best = (
        recent.groupby("stock_code")["customer_id"]
        .nunique()
        .sort_values(ascending=False, kind="stable")
        .index[:top]
    )
    first_sale = p.groupby("stock_code")["invoice_date"].min()
    day = p["invoice_date"].dt.normalize()
    first_day = day.groupby([p["customer_id"], p["stock_code"]]).min()
    pairs = pd.MultiIndex.from_frame(period[["customer_id", "stock_code"]])
    flags = pd.DataFrame(
        {
            "buy again": (
                period["invoice_date"].dt.normalize().to_numpy()
                > first_day.reindex(pairs).to_numpy()
            ),
            "best sellers": period["stock_code"].isin(best).to_numpy(),
            "new in": (
                (period["invoice_date"] - period["stock_code"].map(first_sale)).dt.days <= new
            ).to_numpy(),
            "seasonal": period["stock_code"].isin(seasonal).to_numpy(),
        }
    )
    flags["customer_id"] = period["customer_id"].to_numpy()
    shares = flags.groupby("customer_id")[list(MODULES)].mean()
    shares["visits"] = period.groupby("customer_id")["invoice"].nunique()
    shares["new"] = ~shares.index.isin(before["customer_id"].unique())
    return shares


class RetailHomepage:
    """The first homepage module per segment, as a bandit environment (see the module docstring).

    Parameters
    ----------
    shares : DataFrame
        :func:`module_shares`: one row per customer, a column per module of
        :data:`MODULES` and ``visits``.
    segments : Series
        Each customer's segment (indexed by customer; every customer of
        ``shares`` must have one). Segments are the one-hot context, in
        sorted order (or the categories' order).
    base_ctr, ctr_per_share : float
        The assumed click model p = base_ctr + ctr_per_share × share (each
        p must stay in [0, 1]).

    Attributes
    ----------
    n_arms, n_features : int
        Modules, and segments (the length of the one-hot context).
    ctr : ndarray, shape (customers, modules)
        Each customer's click probability for each module first.
    segment_ctr : DataFrame
        Visit-weighted mean click probability per segment and module: the
        truth a per-segment policy can reach.
    visit_share : Series
        Each segment's share of the visits.

    Examples
    --------
    >>> shares = pd.DataFrame({"buy again": [0.8, 0.1], "best sellers": [0.1, 0.5],
    ...                        "new in": [0.0, 0.1], "seasonal": [0.1, 0.3], "visits": [3, 1]},
    ...                       index=[10, 11])
    >>> env = RetailHomepage(shares, pd.Series(["loyal", "lapsed"], index=[10, 11]))
    >>> env.n_arms, env.n_features, env.segments
    (4, 2, ('lapsed', 'loyal'))
    >>> round(env.policy_ctr("segment"), 4), round(env.policy_ctr("single"), 4)
    (0.0925, 0.0825)
    """

    def __init__(
        self,
        shares: pd.DataFrame,
        segments: pd.Series,
        *,
        base_ctr: float = 0.02,
        ctr_per_share: float = 0.10,
    ) -> None:
        check_columns(shares, [*MODULES, "visits"], name="shares")
        if len(shares) == 0:
            raise ValueError("shares has no customers")
        if not isinstance(segments, pd.Series):
            raise TypeError(f"segments must be a pandas Series, got {type(segments).__name__}")
        missing = ~shares.index.isin(segments.index)
        if missing.any():
            raise ValueError(
                f"segments: {int(missing.sum())} customers of shares have no segment, "
                f"e.g. {shares.index[missing][:3].tolist()}"
            )
        base = check_real(base_ctr, name="base_ctr")
        slope = check_real(ctr_per_share, name="ctr_per_share")
        a = shares[list(MODULES)].to_numpy(dtype=float)
        if not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
            raise ValueError("shares: module shares must be in [0, 1]")
        ctr = base + slope * a
        if ctr.min() < 0 or ctr.max() > 1:
            raise ValueError(
                f"base_ctr, ctr_per_share: click probabilities must stay in [0, 1], "
                f"got {ctr.min():.3g} to {ctr.max():.3g}"
            )
        visits = shares["visits"].to_numpy(dtype=float)
        if not np.all(np.isfinite(visits)) or visits.min() <= 0:
            raise ValueError("shares: visits must be positive numbers")
        seg = segments.reindex(shares.index)
        if isinstance(seg.dtype, pd.CategoricalDtype):
            names = [c for c in seg.cat.categories if (seg == c).any()]
        else:
            names = sorted(seg.unique().tolist())
        codes = pd.Index(names).get_indexer(seg)
        self.customers = shares.index
        self.segments = tuple(names)
        self.segment_codes = codes
        self.ctr = ctr
        self.weights = visits / visits.sum()
        self.n_arms = len(MODULES)
        self.n_features = len(names)
        self.features = np.eye(len(names))[codes]
        weighted = pd.DataFrame(ctr * self.weights[:, None], columns=list(MODULES))
        per_segment = weighted.groupby(codes).sum().to_numpy()
        mass = np.bincount(codes, weights=self.weights, minlength=len(names))
        self.segment_ctr = pd.DataFrame(
            per_segment / mass[:, None],
            index=pd.Index(names, name="segment"),
            columns=pd.Index(MODULES, name="module"),
        )
        self._mass = mass
        self.visit_share = pd.Series(mass, index=self.segment_ctr.index, name="visit share")

    def draw(self, n_rounds: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Contexts (one-hot segments) and click probabilities of ``n_rounds`` visits."""
        n = check_count(n_rounds, name="n_rounds", minimum=1)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
        users = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.features[users], self.ctr[users]

    def policy_ctr(self, policy: str) -> float:
        """The expected click rate of a policy that knows the truth.

        ``"single"``: the one module that is best on average, shown to everyone
        (no personalisation); ``"segment"``: the best module of each segment;
        ``"user"``: each customer's own best module (the per-user oracle, which
        no policy that sees only the segment can reach).
        """
        if policy == "single":
            return float((self.weights @ self.ctr).max())
        if policy == "segment":
            return float(self._mass @ self.segment_ctr.to_numpy().max(axis=1))
        if policy == "user":
            return float(self.weights @ self.ctr.max(axis=1))
        raise ValueError(f"policy must be 'single', 'segment' or 'user', got {policy!r}")

    def __repr__(self) -> str:
        return (
            f"RetailHomepage({len(self.weights):,} customers, {self.n_features} segments, "
            f"modules {list(MODULES)})"
        )


@dataclass(frozen=True, repr=False)
class RetailHoldout(ResultMixin):
    """A simulated global-holdout experiment (:func:`simulate_retail_holdout`).

    ``users`` has one row per simulated user: ``customer_id`` (the real
    customer it was drawn from), ``arm`` ("holdout" or "personalised"),
    ``opted_out``, ``pre_revenue``, ``revenue``, ``returned`` (0/1) and
    ``products``. ``true_lift`` is the mean revenue the personalisation added
    per user of the personalised arm (known here because the simulator knows
    what each user would have spent without it: ``counterfactual``).
    """

    _title: ClassVar[str] = "Simulated global holdout (Online Retail)"
    n_users: int
    holdout_share: float
    lift: float
    opt_out_share: float
    true_lift: float
    users: pd.DataFrame = field(repr=False)
    counterfactual: np.ndarray = field(repr=False)

    def true_effect(self, cap: float | None = None) -> float:
        """The mean effect on revenue per user of the personalised arm, with each
        user's revenue capped at ``cap`` (None: uncapped, :attr:`true_lift`).

        A capped metric has its own true effect, smaller than the uncapped one:
        the revenue added above the cap does not count.

        Examples
        --------
        >>> users = pd.DataFrame({"arm": ["holdout", "personalised", "personalised"],
        ...                       "revenue": [50.0, 110.0, 22.0]})
        >>> sim = RetailHoldout(3, 0.1, 0.1, 0.0, 11.0, users, np.array([50.0, 100.0, 20.0]))
        >>> sim.true_effect(), sim.true_effect(cap=100.0)
        (6.0, 1.0)
        """
        personalised = (self.users["arm"] == "personalised").to_numpy()
        y1 = self.users["revenue"].to_numpy()[personalised]
        y0 = self.counterfactual[personalised]
        if cap is not None:
            c = check_real(cap, name="cap")
            if c <= 0:
                raise ValueError(f"cap must be > 0, got {c}")
            y1, y0 = np.minimum(y1, c), np.minimum(y0, c)
        return float((y1 - y0).mean())


def _customer_outcomes(
    purchases: pd.DataFrame, returns: pd.DataFrame, start: pd.Timestamp, stop: pd.Timestamp
) -> pd.DataFrame:
    before = purchases[purchases["invoice_date"] < start]
    period = purchases[(purchases["invoice_date"] >= start) & (purchases["invoice_date"] < stop)]
    customers = pd.Index(
        np.union1d(before["customer_id"].unique(), period["customer_id"].unique()),
        name="customer_id",
    )
    back = returns[(returns["invoice_date"] >= start) & (returns["invoice_date"] < stop)]
    return (
        pd.DataFrame(
            {
                "pre_revenue": before.groupby("customer_id")["revenue"].sum(),
                "revenue": period.groupby("customer_id")["revenue"].sum(),
                "returned": back.groupby("customer_id").size().gt(0).astype(float),
                "products": period.groupby("customer_id")["stock_code"].nunique().astype(float),
            }
        )
        .reindex(customers)
        .fillna(0.0)
    )


def simulate_retail_holdout(
    purchases: pd.DataFrame,
    returns: pd.DataFrame,
    *,
    as_of: Any,
    end: Any = None,
    n_users: int = 1_000_000,
    holdout_share: float = 0.1,
    lift: float = 0.03,
    return_effect: float = 0.002,
    products_effect: float = -0.01,
    opt_out_share: float = 0.0,
    seed: SeedLike = None,
) -> RetailHoldout:
    """A global holdout for personalisation, with users resampled from real customers.

    See the module docstring for what is calibrated and what is assumed.

    Parameters
    ----------
    purchases, returns : DataFrame
        ``clean_online_retail(...).purchases`` and ``.returns``.
    as_of, end : date
        Start of the experiment (revenue before it is the covariate) and its
        end (excluded; default: after the last purchase).
    n_users : int
        Simulated users, at least 100.
    holdout_share : float
        Share of users held out of personalisation, in (0, 1).
    lift : float
        Relative revenue effect of personalisation, > −1.
    return_effect : float
        Absolute change in the probability of a return, in [−1, 1].
    products_effect : float
        Relative change in distinct products bought, > −1.
    opt_out_share : float
        Share of users who opt out of personalisation, in [0, 1).
    seed : int, Generator or None

    Returns
    -------
    RetailHoldout

    Examples
    --------
    >>> p = pd.DataFrame({"customer_id": [1, 1, 2, 3], "invoice": ["a", "b", "c", "d"],
    ...     "invoice_date": pd.to_datetime(["2011-01-05", "2011-03-01", "2011-03-02", "2011-01-09"]),
    ...     "stock_code": ["X", "Y", "X", "Z"], "revenue": [10.0, 30.0, 20.0, 5.0]})
    >>> r = pd.DataFrame({"customer_id": [2], "invoice_date": pd.to_datetime(["2011-03-05"])})
    >>> sim = simulate_retail_holdout(p, r, as_of="2011-02-01", n_users=1_000, lift=0.1, seed=0)
    >>> sim.users.groupby("arm")["revenue"].mean().round(1).to_dict()
    {'holdout': 15.6, 'personalised': 17.7}
    """
    check_columns(
        purchases, ["customer_id", "invoice_date", "stock_code", "revenue"], name="purchases"
    )
    check_columns(returns, ["customer_id", "invoice_date"], name="returns")
    for name, frame in (("purchases", purchases), ("returns", returns)):
        if not pd.api.types.is_datetime64_any_dtype(frame["invoice_date"]):
            raise ValueError(f"{name}: invoice_date must hold datetimes")
        if frame["customer_id"].isna().any():
            raise ValueError(f"{name}: customer_id has missing ids (use clean_online_retail)")
    start, stop = _period(purchases, as_of, end)
    n = check_count(n_users, name="n_users", minimum=100)
    h = check_probability(holdout_share, name="holdout_share")
    rel = check_real(lift, name="lift")
    if rel <= -1:
        raise ValueError(f"lift must be > -1 (a relative change), got {rel}")
    ret = check_real(return_effect, name="return_effect")
    if not -1 <= ret <= 1:
        raise ValueError(f"return_effect must be in [-1, 1], got {ret}")
    prod = check_real(products_effect, name="products_effect")
    if prod <= -1:
        raise ValueError(f"products_effect must be > -1 (a relative change), got {prod}")
    s = check_probability(opt_out_share, name="opt_out_share", closed=True)
    if s >= 1:
        raise ValueError("opt_out_share must be below 1: someone must be personalised")
    rng = as_generator(seed)
    base = _customer_outcomes(purchases, returns, start, stop)
    draw = rng.integers(len(base), size=n)
    users = base.iloc[draw].reset_index()
    personalised = rng.random(n) >= h
    opted_out = rng.random(n) < s
    treated = personalised & ~opted_out
    revenue0 = users["revenue"].to_numpy()
    users["revenue"] = np.where(treated, revenue0 * (1 + rel), revenue0)
    p0 = float(base["returned"].mean())
    returned = users["returned"].to_numpy()
    if ret >= 0:
        flip = (returned == 0) & (rng.random(n) < ret / max(1 - p0, 1e-12))
        returned = np.where(treated & flip, 1.0, returned)
    else:
        flip = (returned == 1) & (rng.random(n) < -ret / max(p0, 1e-12))
        returned = np.where(treated & flip, 0.0, returned)
    users["returned"] = returned
    scaled = users["products"].to_numpy() * (1 + prod)
    rounded = np.floor(scaled) + (rng.random(n) < scaled - np.floor(scaled))
    users["products"] = np.where(treated, rounded, users["products"].to_numpy())
    users.insert(1, "arm", np.where(personalised, "personalised", "holdout"))
    users.insert(2, "opted_out", opted_out)
    true_lift = float((users["revenue"].to_numpy() - revenue0)[personalised].mean())
    return RetailHoldout(
        n_users=n,
        holdout_share=h,
        lift=rel,
        opt_out_share=s,
        true_lift=true_lift,
        users=users,
        counterfactual=revenue0,
    )
