"""Stage 4 — business rules, applied after ranking, each with a price.

A rule set is data-free (``RuleSet([OutOfStock(), CategoryCap(3), ...])``)
and is bound once to a catalogue (:meth:`RuleSet.bind`), which turns every
item-level rule into a precomputed boolean mask over the whole catalogue:
at request time a rule costs one array lookup per candidate, not a search
through a list. Two kinds:

* **filters** drop candidates: :class:`OutOfStock`, :class:`AlreadyBought`,
  :class:`PriceFloor`, :class:`MarginFloor`;
* **list rules** shape the top k as it is filled, best score first:
  :class:`CategoryCap` (at most ``cap`` items of one category) and
  :class:`SponsoredSlots` (paid items placed at given positions, at most
  ``cap`` of them in a list).

Every rule moves the list away from the ranker's order, so it costs some
relevance or revenue; :func:`xplab.serving.rule_costs` measures each one on
held-out users. In Online Retail stock, margin and sponsorship are
simulated (:func:`xplab.serving.simulate_stock_and_margin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_count, check_positive, check_real
from .catalogue import ServingData


class Rule:
    """Base class of the rules; ``name`` labels it in tables."""

    name = "rule"

    def _mask(self, data: ServingData) -> np.ndarray | None:
        """A keep-mask over the catalogue, for item-level filters."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class OutOfStock(Rule):
    """Drop items that are out of stock."""

    name = "out of stock"

    def _mask(self, data: ServingData) -> np.ndarray:
        return data.in_stock.astype(bool)


class AlreadyBought(Rule):
    """Drop items the user has bought before (their history)."""

    name = "already bought"


class PriceFloor(Rule):
    """Drop items whose unit price is below ``floor`` (in the catalogue's currency)."""

    name = "price floor"

    def __init__(self, floor: float):
        self.floor = check_positive(floor, name="floor")

    def _mask(self, data: ServingData) -> np.ndarray:
        return data.price >= self.floor

    def __repr__(self) -> str:
        return f"PriceFloor({self.floor:g})"


class MarginFloor(Rule):
    """Drop items whose margin per unit (price × margin rate) is below ``floor``."""

    name = "margin floor"

    def __init__(self, floor: float):
        self.floor = check_positive(floor, name="floor")

    def _mask(self, data: ServingData) -> np.ndarray:
        return data.price * data.margin >= self.floor

    def __repr__(self) -> str:
        return f"MarginFloor({self.floor:g})"


class CategoryCap(Rule):
    """At most ``cap`` items of one category in the list."""

    name = "category cap"

    def __init__(self, cap: int):
        self.cap = check_count(cap, name="cap", minimum=1)

    def __repr__(self) -> str:
        return f"CategoryCap({self.cap})"


class SponsoredSlots(Rule):
    """Paid placements: at each position in ``slots`` (1-based) show the
    best-scored sponsored candidate still available; never more than
    ``cap`` sponsored items in the list, counting those ranked there anyway.

    A slot with no sponsored candidate left gets the next organic item.
    """

    name = "sponsored slots"

    def __init__(self, slots: Any = (3,), cap: int = 1):
        if isinstance(slots, int | np.integer) and not isinstance(slots, bool):
            slots = (slots,)
        if not isinstance(slots, tuple | list) or not slots:
            raise ValueError(f"slots must be a tuple of 1-based positions, got {slots!r}")
        self.slots = tuple(sorted({check_count(s, name="slots", minimum=1) for s in slots}))
        self.cap = check_count(cap, name="cap", minimum=0)

    def __repr__(self) -> str:
        return f"SponsoredSlots(slots={self.slots}, cap={self.cap})"


@dataclass(frozen=True)
class RuledList:
    """One final list: item numbers best first, their scores, and which are sponsored."""

    items: np.ndarray
    scores: np.ndarray
    sponsored: np.ndarray


class BoundRules:
    """A :class:`RuleSet` bound to one catalogue: masks precomputed, ready per request."""

    def __init__(self, rules: tuple[Rule, ...], data: ServingData):
        self.rules = rules
        keep = np.ones(data.n_items, dtype=bool)
        for r in rules:
            m = r._mask(data)
            if m is not None:
                keep &= m
        self._keep = keep
        self._already_bought = any(isinstance(r, AlreadyBought) for r in rules)
        caps = [r.cap for r in rules if isinstance(r, CategoryCap)]
        self._cap = min(caps) if caps else None
        sponsored = [r for r in rules if isinstance(r, SponsoredSlots)]
        self._slots = tuple(sorted({s for r in sponsored for s in r.slots}))
        self._sponsor_cap = min((r.cap for r in sponsored), default=None)
        self._category = data.category.astype(np.int64)
        self._sponsored = data.sponsored.astype(bool)

    def apply(
        self, items: np.ndarray, scores: np.ndarray, k: int, *, history: np.ndarray | None = None
    ) -> RuledList:
        """The top ``k`` of ``items`` (scored by ``scores``, larger first) under the rules.

        ``history`` holds the user's history rows (item number in column 0),
        needed by :class:`AlreadyBought`.
        """
        keep = self._keep[items]
        if self._already_bought and history is not None and len(history):
            keep &= ~np.isin(items, history[:, 0].astype(np.int64))
        cand, sc = items[keep], scores[keep]
        order = np.lexsort((cand, -sc))
        cand, sc = cand[order], sc[order]
        if self._cap is None and self._sponsor_cap is None:
            top = slice(0, k)
            return RuledList(cand[top], sc[top], self._sponsored[cand[top]])
        return self._fill(cand, sc, k)

    def _fill(self, cand: np.ndarray, sc: np.ndarray, k: int) -> RuledList:
        cats = self._category[cand]
        paid = self._sponsored[cand]
        sponsor_cap = len(cand) if self._sponsor_cap is None else self._sponsor_cap
        cap = len(cand) if self._cap is None else self._cap
        used = np.zeros(len(cand), dtype=bool)
        per_cat: dict[int, int] = {}
        chosen: list[int] = []
        n_paid = 0

        def fits(i: int) -> bool:
            return not used[i] and per_cat.get(int(cats[i]), 0) < cap

        def take(i: int) -> None:
            nonlocal n_paid
            used[i] = True
            per_cat[int(cats[i])] = per_cat.get(int(cats[i]), 0) + 1
            n_paid += int(paid[i])
            chosen.append(i)

        organic = 0
        while len(chosen) < k:
            position = len(chosen) + 1
            placed = False
            if position in self._slots and n_paid < sponsor_cap:
                for i in np.flatnonzero(paid & ~used):
                    if fits(int(i)):
                        take(int(i))
                        placed = True
                        break
            if placed:
                continue
            while organic < len(cand) and (
                not fits(organic) or (paid[organic] and n_paid >= sponsor_cap)
            ):
                organic += 1
            if organic >= len(cand):
                break
            take(organic)
        idx = np.array(chosen, dtype=np.int64)
        return RuledList(cand[idx], sc[idx], paid[idx])


class RuleSet:
    """An ordered collection of rules, data-free until :meth:`bind`.

    Filters combine (an item must pass all); with several caps the
    tightest applies; sponsored slots of several rules are merged.

    Examples
    --------
    >>> from xplab.serving import synthetic_catalogue
    >>> data = synthetic_catalogue(200, 5, dim=8, seed=0)
    >>> rules = RuleSet([OutOfStock(), CategoryCap(2)]).bind(data)
    >>> items = np.arange(50)
    >>> out = rules.apply(items, -items.astype(float), k=10)
    >>> bool(data.in_stock[out.items].all()), int(np.bincount(data.category[out.items]).max())
    (True, 2)
    """

    def __init__(self, rules: Any = ()):
        if isinstance(rules, Rule):
            rules = [rules]
        if not isinstance(rules, list | tuple):
            raise ValueError(f"rules must be a list of rules, got {type(rules).__name__}")
        for r in rules:
            if not isinstance(r, Rule):
                raise ValueError(
                    f"rules must hold rules such as OutOfStock() or CategoryCap(3), got {r!r:.40}"
                )
        self.rules = tuple(rules)

    def bind(self, data: ServingData) -> BoundRules:
        """Precompute the rules' masks over ``data``'s catalogue."""
        if not isinstance(data, ServingData):
            raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
        return BoundRules(self.rules, data)

    def __iter__(self) -> Any:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return "RuleSet([" + ", ".join(repr(r) for r in self.rules) + "])"


def objective_scores(proba: Any, price: Any, *, weight: float) -> np.ndarray:
    """Scores for ranking by purchase probability, expected revenue, or a blend.

    score = log P(buy) + w · log price, i.e. ranking by P(buy) × price^w:
    w = 0 ranks by purchase probability (what maximises clicks and
    purchases), w = 1 by expected revenue P(buy) × price, and values in
    between trade one for the other.

    Examples
    --------
    >>> objective_scores([0.2, 0.1], [1.0, 5.0], weight=0).argmax(), objective_scores(
    ...     [0.2, 0.1], [1.0, 5.0], weight=1).argmax()
    (np.int64(0), np.int64(1))
    """
    w = check_real(weight, name="weight")
    if not 0 <= w <= 1:
        raise ValueError(f"weight must be in [0, 1] (0 = probability, 1 = revenue), got {w}")
    p = np.asarray(proba, dtype=float)
    q = np.asarray(price, dtype=float)
    if p.shape != q.shape:
        raise ValueError(f"proba and price must have the same shape, got {p.shape} and {q.shape}")
    if np.any(~np.isfinite(p)) or np.any(p <= 0) or np.any(p > 1):
        raise ValueError("proba must be probabilities in (0, 1]")
    if np.any(~np.isfinite(q)) or np.any(q <= 0):
        raise ValueError("price must be positive")
    return np.log(p) + w * np.log(q)
