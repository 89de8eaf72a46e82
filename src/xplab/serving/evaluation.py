"""Offline evaluation of the stages on a later period, per user, with intervals.

* :func:`candidate_recall` — the share of next-period purchases that reach
  the ranker, per source and merged;
* :func:`top_k_lists` — each user's top k by any score, optionally under a
  :class:`~xplab.serving.RuleSet`;
* :func:`list_metrics` — per-user precision, nDCG (binary relevance, the
  definitions of :mod:`xplab.recs.metrics`), revenue and hits at k;
* :func:`compare_lists` — two rankings on the same users, with a paired
  bootstrap interval over users for each metric's difference;
* :func:`rule_costs` and :func:`objective_sweep` — what each business rule
  and each objective weight costs or gains.

Revenue@k is the money a user spent in the later period on the items of
their top k (net of returns): a proxy for what the list could have
influenced, not a causal effect of showing it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import (
    as_1d_array,
    check_bool,
    check_columns,
    check_count,
    check_positive,
    check_probability,
)
from .catalogue import ServingData
from .rules import RuleSet, objective_scores


def _frame(frame: Any, columns: list[str], name: str) -> pd.DataFrame:
    check_columns(frame, columns, name=name)
    if len(frame) == 0:
        raise ValueError(f"{name} is empty")
    return frame


def _member(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """``np.isin(values, pool)`` for whole numbers, by sorting (numpy 2.4's hash-based
    unique, which ``np.isin`` uses, is far slower on arrays of 10⁵-10⁶ numbers)."""
    pool = np.sort(pool)
    if pool.size == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.clip(np.searchsorted(pool, values), 0, pool.size - 1)
    return pool[pos] == values


def _score_column(candidates: pd.DataFrame, score: Any, *, name: str = "score") -> np.ndarray:
    if isinstance(score, str):
        if score not in candidates.columns:
            raise ValueError(f"{name} {score!r} is not a column of candidates")
        values = candidates[score].to_numpy()
    elif score is None or isinstance(score, bytes) or not np.iterable(score):
        raise ValueError(
            f"{name} must be a column name or one number per candidate, got {score!r:.40}"
        )
    else:
        values = np.asarray(score)
    if values.dtype.kind not in "fiu" or values.shape != (len(candidates),):
        raise ValueError(f"{name} must be {len(candidates)} numbers, one per candidate")
    values = values.astype(float)
    if np.isnan(values).any():
        raise ValueError(f"{name} has missing values")
    return values


def candidate_recall(candidates: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Share of the later period's purchases (user, item pairs) among the candidates.

    One entry per ``from_<source>`` column of ``candidates`` (the items that
    source proposed) and ``"merged"`` (all candidates). The denominator is
    every purchase in ``truth`` (``customer_id, stock_code``), including
    items no source could know (new products), so recall below 1 is
    expected even for a perfect retriever.

    Examples
    --------
    >>> cands = pd.DataFrame({"user_id": [1, 1, 2], "item_id": ["a", "b", "a"],
    ...                       "from_als": [True, False, True], "from_popular": [False, True, True]})
    >>> truth = pd.DataFrame({"customer_id": [1, 1, 2, 2], "stock_code": ["a", "b", "c", "a"]})
    >>> candidate_recall(cands, truth).to_dict()
    {'als': 0.5, 'popular': 0.5, 'merged': 0.75}
    """
    _frame(candidates, ["user_id", "item_id"], "candidates")
    _frame(truth, ["customer_id", "stock_code"], "truth")
    # (user, item) pairs as one integer each, so that membership is one np.isin
    user_code, user_ids = pd.factorize(candidates["user_id"])
    item_code, item_ids = pd.factorize(candidates["item_id"])
    n_items = max(len(item_ids), 1)
    have = user_code.astype(np.int64) * n_items + item_code
    t_user = pd.Index(user_ids).get_indexer(truth["customer_id"])
    t_item = pd.Index(item_ids).get_indexer(truth["stock_code"])
    known = (t_user >= 0) & (t_item >= 0)
    want = np.where(known, t_user.astype(np.int64) * n_items + t_item, -1)
    out = {}
    sources = [c for c in candidates.columns if c.startswith("from_")]
    for col in [*sources, None]:
        part = have if col is None else have[candidates[col].to_numpy(bool)]
        out["merged" if col is None else col[5:]] = float(_member(want, part).mean())
    return pd.Series(out, name="candidate recall")


def top_k_lists(
    candidates: pd.DataFrame,
    score: Any,
    *,
    k: int = 10,
    rules: RuleSet | None = None,
    data: ServingData | None = None,
) -> pd.DataFrame:
    """Each user's top ``k`` candidates by ``score`` (larger first; ties by item).

    Parameters
    ----------
    candidates : DataFrame
        ``user, item, user_id, item_id`` (dense numbers and ids), e.g.
        :attr:`RetailExperiment.candidates`.
    score : str or array
        A column of ``candidates`` or one value per row.
    k : int
    rules : RuleSet, optional
        Applied per user exactly as the service does (needs ``data``, whose
        histories and catalogue facts the rules read).
    data : ServingData, optional

    Returns
    -------
    DataFrame
        ``user_id, item_id, rank, item, sponsored``.
    """
    _frame(candidates, ["user", "item", "user_id", "item_id"], "candidates")
    k = check_count(k, name="k", minimum=1)
    values = _score_column(candidates, score)
    users = candidates["user"].to_numpy()
    items = candidates["item"].to_numpy()
    if rules is None or len(rules) == 0:
        order = np.lexsort((items, -values, users))
        u, it = users[order], items[order]
        start = np.r_[0, np.flatnonzero(np.diff(u)) + 1]
        rank = np.arange(len(u)) - np.repeat(start, np.diff(np.r_[start, len(u)])) + 1
        keep = rank <= k
        picked = order[keep]
        out = pd.DataFrame(
            {
                "user_id": candidates["user_id"].to_numpy()[picked],
                "item_id": candidates["item_id"].to_numpy()[picked],
                "rank": rank[keep],
                "item": it[keep],
                "sponsored": False if data is None else data.sponsored[it[keep]],
            }
        )
        return out.reset_index(drop=True)
    if not isinstance(rules, RuleSet):
        raise ValueError(f"rules must be a RuleSet, got {type(rules).__name__}")
    if not isinstance(data, ServingData):
        raise ValueError(
            "rules need data (the ServingData whose catalogue and histories they read)"
        )
    bound = rules.bind(data)
    order = np.argsort(users, kind="stable")  # apply() orders each user's candidates itself
    bounds = np.r_[0, np.flatnonzero(np.diff(users[order])) + 1, len(order)]
    out_user, out_item, out_rank, out_paid = [], [], [], []
    for a, b in itertools.pairwise(bounds):
        rows = order[a:b]
        row = int(users[rows[0]])
        ruled = bound.apply(items[rows], values[rows], k, history=data.history_of(row))
        n = len(ruled.items)
        out_user.append(np.full(n, row))
        out_item.append(ruled.items)
        out_rank.append(np.arange(1, n + 1))
        out_paid.append(ruled.sponsored)
    user, item = np.concatenate(out_user), np.concatenate(out_item)
    return pd.DataFrame(
        {
            "user_id": data.user_ids[user],
            "item_id": data.item_ids[item],
            "rank": np.concatenate(out_rank),
            "item": item,
            "sponsored": np.concatenate(out_paid),
        }
    )


def list_metrics(lists: pd.DataFrame, truth: pd.DataFrame, *, k: int = 10) -> pd.DataFrame:
    """Per-user metrics of top-k lists against the later period's purchases.

    For each user in ``truth``: ``hits`` (list items they bought),
    ``precision`` = hits / k, ``ndcg`` (binary gains; the ideal list puts
    min(k, purchases) hits first, as :func:`xplab.recs.ndcg_at_k`) and
    ``revenue`` (their spend on the listed items). A user without a list
    scores 0.

    Parameters
    ----------
    lists : DataFrame
        ``user_id, item_id, rank`` (e.g. from :func:`top_k_lists`).
    truth : DataFrame
        ``customer_id, stock_code, spend``.

    Examples
    --------
    >>> lists = pd.DataFrame({"user_id": [1, 1], "item_id": ["a", "b"], "rank": [1, 2]})
    >>> truth = pd.DataFrame({"customer_id": [1, 1], "stock_code": ["b", "c"], "spend": [5.0, 3.0]})
    >>> list_metrics(lists, truth, k=2).round(4).to_dict("records")
    [{'hits': 1.0, 'precision': 0.5, 'ndcg': 0.3869, 'revenue': 5.0}]
    """
    _frame(lists, ["user_id", "item_id", "rank"], "lists")
    _frame(truth, ["customer_id", "stock_code", "spend"], "truth")
    k = check_count(k, name="k", minimum=1)
    top = lists[lists["rank"] <= k]
    hits = top.merge(
        truth.rename(columns={"customer_id": "user_id", "stock_code": "item_id"}),
        on=["user_id", "item_id"],
    )
    users = pd.Index(truth["customer_id"].unique(), name="user_id")
    n_rel = truth.groupby("customer_id").size().reindex(users).to_numpy()
    ideal = np.concatenate([[0.0], np.cumsum(1 / np.log2(np.arange(2, k + 2)))])
    g = hits.groupby("user_id")
    out = pd.DataFrame(index=users)
    out["hits"] = g.size().reindex(users).fillna(0).to_numpy(float)
    out["precision"] = out["hits"] / k
    dcg = 1 / np.log2(hits["rank"].to_numpy(float) + 1)
    out["ndcg"] = (
        pd.Series(dcg, index=hits.index)
        .groupby(hits["user_id"])
        .sum()
        .reindex(users)
        .fillna(0)
        .to_numpy()
        / ideal[np.minimum(n_rel, k)]
    )
    out["revenue"] = g["spend"].sum().reindex(users).fillna(0.0).to_numpy()
    return out


@dataclass(frozen=True, repr=False)
class Comparison(ResultMixin):
    """Two rankings of the same users: each metric's mean, the difference
    (``b − a``) and its paired bootstrap 95 % interval over users.

    ``table`` has one row per metric with ``a, b, difference, low, high``
    and ``relative`` (difference / a).
    """

    _title: ClassVar[str] = "Paired comparison over users"
    names: tuple[str, str]
    users: int
    n_boot: int
    table: pd.DataFrame

    def __repr__(self) -> str:
        rows = "; ".join(
            f"{m}: {r['a']:.4g} → {r['b']:.4g} [{r['low']:+.3g}, {r['high']:+.3g}]"
            for m, r in self.table.iterrows()
        )
        return f"Comparison({self.names[0]} → {self.names[1]}, {self.users:,} users; {rows})"

    def _repr_html_(self) -> str:
        t = self.table.rename(columns={"a": self.names[0], "b": self.names[1]})
        return (
            f"<p><b>{self.names[1]} vs {self.names[0]}</b>, {self.users:,} users, "
            f"{self.n_boot:,} bootstrap resamples of users (95 % interval)</p>"
            + t.to_html(float_format=lambda v: f"{v:.4g}")
        )


def bootstrap_interval(
    values: Any, *, n_boot: int = 2000, seed: SeedLike = 0, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of per-user ``values``.

    Examples
    --------
    >>> low, high = bootstrap_interval(np.arange(100.0), seed=0)
    >>> bool(low < 49.5 < high)
    True
    """
    x = as_1d_array(values, name="values", min_size=2)
    n_boot = check_count(n_boot, name="n_boot", minimum=100)
    level = check_probability(level, name="level")
    rng = as_generator(seed)
    means = np.empty(n_boot)
    for start in range(0, n_boot, 200):
        idx = rng.integers(x.size, size=(min(200, n_boot - start), x.size))
        means[start : start + idx.shape[0]] = x[idx].mean(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


def compare_lists(
    a: pd.DataFrame,
    b: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    k: int = 10,
    names: tuple[str, str] = ("a", "b"),
    metrics: tuple[str, ...] = ("precision", "ndcg", "revenue"),
    n_boot: int = 2000,
    seed: SeedLike = 0,
) -> Comparison:
    """Compare two sets of top-k lists user by user (a paired bootstrap over users).

    Each bootstrap resample draws users with replacement and recomputes the
    mean difference, so the interval accounts for users varying a lot
    (a few big customers dominate revenue) and for both lists being scored
    on the same users.
    """
    _frame(a, ["user_id", "item_id", "rank"], "a")
    _frame(b, ["user_id", "item_id", "rank"], "b")
    _frame(truth, ["customer_id", "stock_code", "spend"], "truth")
    if (
        not isinstance(names, tuple | list)
        or len(names) != 2
        or not all(isinstance(n, str) for n in names)
    ):
        raise ValueError(
            f"names must be two labels, e.g. ('retrieval', 'ranker'), got {names!r:.40}"
        )
    known = ("hits", "precision", "ndcg", "revenue")
    if (
        not isinstance(metrics, tuple | list)
        or not metrics
        or not all(isinstance(m, str) and m in known for m in metrics)
    ):
        raise ValueError(f"metrics must be a non-empty tuple of {known}, got {metrics!r:.40}")
    ma, mb = list_metrics(a, truth, k=k), list_metrics(b, truth, k=k)
    rng = as_generator(seed)
    rows = {}
    n = len(ma)
    idx_seed = int(rng.integers(2**31))
    for m in metrics:
        diff = (mb[m] - ma[m]).to_numpy()
        low, high = bootstrap_interval(diff, n_boot=n_boot, seed=idx_seed)
        mean_a = float(ma[m].mean())
        rows[m] = {
            "a": mean_a,
            "b": float(mb[m].mean()),
            "difference": float(diff.mean()),
            "low": low,
            "high": high,
            "relative": float(diff.mean() / mean_a) if mean_a else np.nan,
        }
    return Comparison(
        names=(str(names[0]), str(names[1])), users=n, n_boot=n_boot, table=pd.DataFrame(rows).T
    )


def rule_costs(
    candidates: pd.DataFrame,
    truth: pd.DataFrame,
    data: ServingData,
    rules: dict[str, RuleSet],
    *,
    score: str = "score",
    k: int = 10,
) -> pd.DataFrame:
    """What each rule set costs, against the ranker's list without rules.

    One row per entry of ``rules`` (and ``"no rules"``): mean precision,
    nDCG and revenue at k over the users of ``truth``, their change relative
    to no rules, and the share of lists holding a sponsored item.
    """
    _frame(candidates, ["user", "item", "user_id", "item_id"], "candidates")
    _frame(truth, ["customer_id", "stock_code", "spend"], "truth")
    if not isinstance(data, ServingData):
        raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
    if (
        not isinstance(rules, dict)
        or not rules
        or not all(isinstance(r, RuleSet) for r in rules.values())
    ):
        raise ValueError("rules must be a dict of name -> RuleSet")
    _score_column(candidates, score)
    base = list_metrics(top_k_lists(candidates, score, k=k), truth, k=k).mean()
    rows = {"no rules": {**base.to_dict(), "sponsored lists": 0.0}}
    for name, rule_set in rules.items():
        lists = top_k_lists(candidates, score, k=k, rules=rule_set, data=data)
        m = list_metrics(lists, truth, k=k).mean()
        sponsored = lists.groupby("user_id")["sponsored"].any().mean()
        rows[name] = {**m.to_dict(), "sponsored lists": float(sponsored)}
    out = pd.DataFrame(rows).T[["precision", "ndcg", "revenue", "sponsored lists"]]
    for m in ("precision", "ndcg", "revenue"):
        out[f"{m} change"] = out[m] / out.loc["no rules", m] - 1
    return out


def objective_sweep(
    candidates: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    weights: Any = (0.0, 0.25, 0.5, 0.75, 1.0),
    k: int = 10,
) -> pd.DataFrame:
    """Rank by P(buy) × price^w for each weight w; report what it does to the lists.

    Columns: ``precision`` (share of listed items bought: the conversion /
    click-through proxy), ``revenue`` (spend on listed items per user),
    ``value per hit`` (revenue / hits: the order-value proxy) and
    ``mean price`` (of listed items). ``candidates`` needs ``proba`` and
    ``price``.
    """
    _frame(candidates, ["user", "item", "user_id", "item_id", "proba", "price"], "candidates")
    _frame(truth, ["customer_id", "stock_code", "spend"], "truth")
    if (
        isinstance(weights, str | bytes)
        or not np.iterable(weights)
        or len(list(weights)) == 0
        or not all(
            isinstance(w, int | float) and not isinstance(w, bool) and 0 <= w <= 1 for w in weights
        )
    ):
        raise ValueError(
            f"weights must be numbers in [0, 1], e.g. (0, 0.5, 1), got {weights!r:.40}"
        )
    item_price = candidates.drop_duplicates("item").set_index("item")["price"]
    rows = {}
    for w in weights:
        s = objective_scores(
            np.clip(candidates["proba"].to_numpy(), 1e-12, 1.0),
            candidates["price"].to_numpy(),
            weight=w,
        )
        lists = top_k_lists(candidates, s, k=k)
        m = list_metrics(lists, truth, k=k)
        listed = item_price.reindex(lists["item"].to_numpy())
        rows[float(w)] = {
            "precision": m["precision"].mean(),
            "revenue": m["revenue"].mean(),
            "value per hit": m["revenue"].sum() / max(m["hits"].sum(), 1),
            "mean price": float(listed.mean()),
        }
    out = pd.DataFrame(rows).T
    out.index.name = "weight"
    return out


@dataclass(frozen=True)
class RuleRequirements:
    """What a rule set must achieve on held-out users (see :func:`audit_rules`).

    Attributes
    ----------
    no_out_of_stock : bool
        No list shows an item that is out of stock.
    max_per_category : int or None
        No list holds more than this many items of one category.
    sponsored : (int, int) or None
        Each list holds between these many sponsored items (the minimum only
        where the user has sponsored candidates).
    min_margin : float or None
        Every listed item earns at least this margin per unit (£).
    max_revenue_loss : float or None
        Mean revenue@k falls by at most this share against the ranker's
        list without rules.
    """

    no_out_of_stock: bool = True
    max_per_category: int | None = 3
    sponsored: tuple[int, int] | None = (1, 1)
    min_margin: float | None = None
    max_revenue_loss: float | None = 0.1

    def __post_init__(self) -> None:
        check_bool(self.no_out_of_stock, name="no_out_of_stock")
        if self.max_per_category is not None:
            check_count(self.max_per_category, name="max_per_category", minimum=1)
        if self.sponsored is not None:
            s = self.sponsored
            if (
                not isinstance(s, tuple | list)
                or len(s) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in s)
                or s[0] > s[1]
            ):
                raise ValueError(f"sponsored must be (least, most) whole numbers, got {s!r}")
        if self.min_margin is not None:
            check_positive(self.min_margin, name="min_margin")
        if self.max_revenue_loss is not None:
            check_probability(self.max_revenue_loss, name="max_revenue_loss", closed=True)


def audit_rules(
    rules: Any,
    candidates: pd.DataFrame,
    truth: pd.DataFrame,
    data: ServingData,
    requirements: RuleRequirements,
    *,
    score: str = "score",
    k: int = 10,
) -> str | None:
    """Check a rule set against requirements on held-out users; None if all hold.

    Applies ``rules`` to every user's candidates exactly as the service does
    and returns the first requirement that fails, saying by how much (the
    checker of notebook 08's rule-design exercise).
    """
    if not isinstance(rules, RuleSet):
        return (
            "rules must be a RuleSet, e.g. serving.RuleSet([serving.OutOfStock(), ...]); "
            f"got {type(rules).__name__}"
        )
    _frame(candidates, ["user", "item", "user_id", "item_id"], "candidates")
    _frame(truth, ["customer_id", "stock_code", "spend"], "truth")
    if not isinstance(data, ServingData):
        raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
    if not isinstance(requirements, RuleRequirements):
        raise ValueError("requirements must be a RuleRequirements")
    _score_column(candidates, score)
    lists = top_k_lists(candidates, score, k=k, rules=rules, data=data)
    items = lists["item"].to_numpy()
    short = lists.groupby("user_id").size()
    if (short < k).any():
        return (
            f"{int((short < k).sum())} user(s) get fewer than {k} items: the rules remove too much"
        )
    if requirements.no_out_of_stock and not data.in_stock[items].all():
        n = int((~data.in_stock[items]).sum())
        return f"{n} listed item(s) are out of stock (add OutOfStock())"
    if requirements.max_per_category is not None:
        most = lists.assign(c=data.category[items]).groupby(["user_id", "c"]).size().max()
        if most > requirements.max_per_category:
            return (
                f"a list holds {most} items of one category; at most "
                f"{requirements.max_per_category} are allowed (CategoryCap)"
            )
    if requirements.min_margin is not None:
        margin = data.price[items] * data.margin[items]
        if margin.min() < requirements.min_margin - 1e-9:
            return (
                f"an item earns £{margin.min():.2f} per unit, below the £{requirements.min_margin:.2f} "
                "floor (MarginFloor)"
            )
    if requirements.sponsored is not None:
        low, high = requirements.sponsored
        paid = lists.groupby("user_id")["sponsored"].sum()
        if paid.max() > high:
            return f"a list shows {int(paid.max())} sponsored items; at most {high} are allowed"
        has_paid = (
            pd.Series(data.sponsored[candidates["item"].to_numpy()])
            .groupby(candidates["user_id"].to_numpy())
            .any()
        )
        eligible = paid.reindex(has_paid[has_paid].index).fillna(0)
        if (eligible < low).any():
            n = int((eligible < low).sum())
            return (
                f"{n} user(s) with sponsored candidates see fewer than {low} sponsored item(s) "
                "(SponsoredSlots)"
            )
    if requirements.max_revenue_loss is not None:
        base = list_metrics(top_k_lists(candidates, score, k=k), truth, k=k)["revenue"].mean()
        got = list_metrics(lists, truth, k=k)["revenue"].mean()
        loss = 1 - got / base
        if loss > requirements.max_revenue_loss:
            return (
                f"revenue@{k} falls by {loss:.1%} against no rules; at most "
                f"{requirements.max_revenue_loss:.0%} is allowed"
            )
    return None
