"""UCI Online Retail (Chen, Sain & Guo 2012): 541,909 invoice lines of a UK gift retailer.

Transactions from 2010-12-01 to 2011-12-09 by 4,372 identified customers (and
anonymous ones) buying 4,070 stock codes. Licence CC BY 4.0: the loader still
downloads it from the official source rather than committing it, like the other
datasets. See ``data/README.md``.

Two steps, kept apart so that every row removed is accounted for:

* :func:`load_online_retail` returns the lines exactly as released (541,909
  rows, verified against the published counts);
* :func:`clean_online_retail` keeps the purchases of identified customers and
  says how many lines each rule removed (cancellations, missing customers,
  returns and adjustments, fees and postage, free lines).
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from .._files import replacing
from .._validate import check_bool
from . import _fetch
from ._fetch import DatasetUnavailableError, candidate_dirs, default_cache_dir, safe_extract

URL = "https://archive.ics.uci.edu/static/public/352/online+retail.zip"
HOMEPAGE = "https://archive.ics.uci.edu/dataset/352/online+retail"
FOLDER = "online-retail"
FILE = "online_retail.csv.gz"
XLSX = "Online Retail.xlsx"

#: The released columns and the names the loader gives them.
COLUMNS = {
    "InvoiceNo": "invoice",
    "StockCode": "stock_code",
    "Description": "description",
    "Quantity": "quantity",
    "InvoiceDate": "invoice_date",
    "UnitPrice": "unit_price",
    "CustomerID": "customer_id",
    "Country": "country",
}

#: Published figures of the official release, against which every copy is verified.
EXPECTED = MappingProxyType(
    {
        "rows": 541_909,
        "customers": 4_372,
        "stock_codes": 4_070,
        "invoices": 25_900,
        "revenue": 9_747_747.934,
    }
)

#: Stock codes that are not products: postage (``POST``, ``DOT`` "DOTCOM
#: POSTAGE"), carriage (``C2``, and ``23444`` "Next Day Carriage", a fee under a
#: product-like code), the ``23574`` "PACKING CHARGE", other fees (``BANK
#: CHARGES``, ``AMAZONFEE``), discounts (``D``), manual entries (``M``, ``m``),
#: samples (``S``), bad-debt adjustments (``B``) and charity commission
#: (``CRUK``). Codes that look odd but are goods stay products: ``PADS``
#: ("PADS TO MATCH ALL CUSHIONS", sold at £0.001) and the ``DCGS…`` codes
#: (party bags, dog collars; all sold to anonymous customers).
NON_PRODUCT_CODES = frozenset(
    {
        "POST",
        "DOT",
        "C2",
        "23444",
        "23574",
        "M",
        "m",
        "D",
        "S",
        "BANK CHARGES",
        "AMAZONFEE",
        "CRUK",
        "B",
    }
)
#: Gift vouchers (``gift_0001_10`` …) are sold like products but are money, not goods.
VOUCHER_PREFIX = "gift_"


class RetailCountsError(RuntimeError):
    """A copy of Online Retail does not match the published counts."""


def read_online_retail(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse the course's CSV copy (``online_retail.csv.gz``) without verifying it.

    Returns the released rows with snake_case columns: ``invoice`` and
    ``stock_code`` as text, ``invoice_date`` as a timestamp, ``customer_id`` as
    a nullable integer (missing for anonymous purchases).
    """
    frame = pd.read_csv(
        path,
        dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
        parse_dates=["InvoiceDate"],
    )
    return _tidy(frame)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise RetailCountsError(f"Online Retail: columns {missing} are missing from the copy")
    frame = frame[list(COLUMNS)].rename(columns=COLUMNS)
    frame["invoice"] = frame["invoice"].astype(str).str.strip()
    frame["stock_code"] = frame["stock_code"].astype(str).str.strip()
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["unit_price"] = frame["unit_price"].astype("float64")
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    return frame


def counts(lines: pd.DataFrame) -> dict[str, float]:
    """The published figures of a copy: rows, distinct customers, stock codes,
    invoices, and the sum of quantity × unit price."""
    return {
        "rows": len(lines),
        "customers": int(lines["customer_id"].nunique()),
        "stock_codes": int(lines["stock_code"].nunique()),
        "invoices": int(lines["invoice"].nunique()),
        "revenue": float((lines["quantity"] * lines["unit_price"]).sum()),
    }


def verify_counts(lines: pd.DataFrame, expected: Mapping[str, float] = EXPECTED) -> None:
    """Raise :class:`RetailCountsError` unless ``lines`` has the published counts
    (revenue to the cent)."""
    got = counts(lines)
    wrong = [
        f"{key} {got[key]:,.2f} (expected {want:,.2f})"
        if key == "revenue"
        else f"{key} {got[key]:,} (expected {want:,})"
        for key, want in expected.items()
        if (abs(got[key] - want) > 0.01 if key == "revenue" else got[key] != want)
    ]
    if wrong:
        raise RetailCountsError(
            "Online Retail: the copy differs from the official release: "
            + "; ".join(wrong)
            + ". Delete it and load again."
        )


def _from_xlsx(path: Path) -> pd.DataFrame:
    released = pd.read_excel(
        path, engine="openpyxl", dtype={"InvoiceNo": str, "StockCode": str, "Description": str}
    )
    return _tidy(released)


def _write_copy(lines: pd.DataFrame, dest: Path) -> None:
    """Write the canonical CSV copy (released column names, ISO dates) atomically."""
    released = lines.rename(columns={v: k for k, v in COLUMNS.items()})
    released["InvoiceDate"] = released["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")
    released["CustomerID"] = released["CustomerID"].astype("float64")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with replacing(dest) as scratch:
        released.to_csv(scratch, index=False, compression={"method": "gzip", "mtime": 0})


def _download(cache: Path, expected: Mapping[str, float], where: str, advice: str) -> pd.DataFrame:
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        archive = Path(tmp) / "download.zip"
        try:
            _fetch.fetch_url(URL, archive)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise DatasetUnavailableError(
                f"Online Retail was not found and could not be downloaded ({exc}). "
                f"Looked in:\n{where}\n{advice}"
            ) from exc
        try:
            safe_extract(archive, Path(tmp) / "extracted")
        except zipfile.BadZipFile as exc:
            raise DatasetUnavailableError(
                f"Online Retail: the download from {URL} is not a valid zip ({exc}).\n{advice}"
            ) from exc
        sheet = Path(tmp) / "extracted" / XLSX
        if not sheet.is_file():
            raise DatasetUnavailableError(
                f"Online Retail: the archive from {URL} has no {XLSX!r}.\n{advice}"
            )
        print(f"Converting {XLSX} to {FILE} (once; about a minute)...")
        lines = _from_xlsx(sheet)
        verify_counts(lines, expected)
        _write_copy(lines, cache / FOLDER / FILE)
    return lines


def load_online_retail(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    _expected: Mapping[str, float] = EXPECTED,
) -> pd.DataFrame:
    """Load the UCI Online Retail lines as released, downloading them on first use.

    Looks for ``online-retail/online_retail.csv.gz`` in ``data_dir`` (else
    ``$XPLAB_DATA_DIR``), then in the cache; otherwise downloads the official
    zip from the UCI repository, converts its ``Online Retail.xlsx`` once into
    that CSV in the cache, and reads it from there. Every copy is verified
    against the published counts (the zip's own bytes have no published hash).

    Parameters
    ----------
    data_dir : path, optional
        A folder containing ``online-retail/``.
    download : bool
        Download into the cache when no copy is found.

    Returns
    -------
    DataFrame
        541,909 rows: ``invoice`` (text; cancellations start with ``C``),
        ``stock_code``, ``description``, ``quantity`` (negative on
        cancellations and returns), ``invoice_date``, ``unit_price`` (GBP),
        ``customer_id`` (nullable; missing on 135,080 lines), ``country``.
        :func:`clean_online_retail` turns them into purchases.

    Raises
    ------
    DatasetUnavailableError
        No copy was found and none could be downloaded; the message says what to do.
    RetailCountsError
        A copy was found but differs from the official release.

    Examples
    --------
    >>> lines = load_online_retail()  # doctest: +SKIP
    >>> len(lines), lines["customer_id"].nunique()  # doctest: +SKIP
    (541909, 4372)
    """
    if data_dir is not None and not isinstance(data_dir, str | os.PathLike):
        raise TypeError(f"data_dir must be a path (str or pathlib.Path) or None, got {data_dir!r}")
    download = check_bool(download, name="download")
    searched = candidate_dirs(data_dir)
    for base in searched:
        path = base / FOLDER / FILE
        if path.is_file():
            lines = read_online_retail(path)
            verify_counts(lines, _expected)
            return lines
    cache = default_cache_dir()
    where = "\n".join(f"  - {base / FOLDER / FILE}" for base in searched)
    advice = (
        "To fix this, either\n"
        f"  * connect to the internet and call the loader again (it downloads {URL}), or\n"
        f"  * set {_fetch.ENV_VAR} to a folder that contains {FOLDER}/{FILE}."
    )
    if not download:
        raise DatasetUnavailableError(
            f"Online Retail was not found. Looked in:\n{where}\nand download=False was given.\n"
            f"{advice}"
        )
    return _download(cache, _expected, where, advice)


@dataclass(frozen=True, repr=False)
class RetailPurchases:
    """Online Retail after :func:`clean_online_retail`.

    Attributes
    ----------
    purchases : DataFrame
        One row per purchased product line of an identified customer, with
        ``revenue = quantity × unit_price``. Gross: an order cancelled later
        keeps its lines here (see :func:`clean_online_retail`).
    returns : DataFrame
        The cancelled product lines of identified customers (``quantity < 0``,
        ``revenue`` < 0), kept for return rates and net revenue; they are not
        purchases. Cancelled postage, discounts, manual entries and commission
        are not returned goods and are left out.
    removed : mapping of str to int
        Lines removed by each rule, in the order the rules apply (a line counts
        under the first rule it meets).
    """

    purchases: pd.DataFrame
    returns: pd.DataFrame
    removed: Mapping[str, int]

    def __repr__(self) -> str:
        p = self.purchases
        gone = ", ".join(f"{k} {v:,}" for k, v in self.removed.items())
        return (
            f"RetailPurchases({len(p):,} purchase lines, {p['customer_id'].nunique():,} "
            f"customers, {p['stock_code'].nunique():,} products; removed: {gone})"
        )


def clean_online_retail(lines: pd.DataFrame) -> RetailPurchases:
    """Keep the product purchases of identified customers; count what each rule removes.

    Rules, applied in this order (a line counts under the first rule it
    meets; on the real data the counts are in ``data/README.md``):

    1. ``missing_customer`` — no ``customer_id`` (nothing to personalise);
    2. ``cancellation`` — invoices starting with ``C`` (their product lines
       are kept aside in ``returns``);
    3. ``non_product`` — postage, carriage, packing and other fees,
       discounts, manual entries, samples, bad-debt adjustments, commission
       (:data:`NON_PRODUCT_CODES`) and gift vouchers (``gift_0001_…``);
    4. ``return_or_adjustment`` — a quantity ≤ 0 on an ordinary invoice
       (stock write-offs; on the real data all of them are anonymous, so
       rule 1 has taken them);
    5. ``free_line`` — a unit price ≤ 0.

    What stays is *gross* purchasing. A cancellation is a separate line, so
    the order it cancels stays in ``purchases``: on the real data the two
    largest lines (80,995 and 74,215 units, customers 16446 and 12346) were
    cancelled within 20 minutes, and customer 12346 bought nothing else. For
    a customer's net spend subtract ``returns`` (its ``revenue`` is negative).
    Lines that repeat another line of the same invoice exactly (5,187 on the
    real data) are kept: the release cannot tell a double scan from two
    identical items.

    Parameters
    ----------
    lines : DataFrame
        The released lines, as :func:`load_online_retail` returns them.

    Examples
    --------
    >>> lines = pd.DataFrame({
    ...     "invoice": ["1", "1", "C2", "3"], "stock_code": ["A", "POST", "A", "B"],
    ...     "description": ["a", "postage", "a", "b"], "quantity": [2, 1, -2, 1],
    ...     "invoice_date": pd.to_datetime(["2011-01-01"] * 4),
    ...     "unit_price": [1.5, 18.0, 1.5, 2.0],
    ...     "customer_id": pd.array([7, 7, 7, None], dtype="Int64"), "country": ["UK"] * 4})
    >>> clean = clean_online_retail(lines)
    >>> dict(clean.removed)
    {'missing_customer': 1, 'cancellation': 1, 'non_product': 1, 'return_or_adjustment': 0, 'free_line': 0}
    >>> clean.purchases[["stock_code", "revenue"]].to_dict("records")
    [{'stock_code': 'A', 'revenue': 3.0}]
    """
    if not isinstance(lines, pd.DataFrame):
        raise TypeError(
            f"lines must be the DataFrame load_online_retail returns, got {lines!r:.60}"
        )
    missing = [c for c in COLUMNS.values() if c not in lines.columns]
    if missing:
        raise ValueError(f"lines has no column(s) {missing}: pass what load_online_retail returns")
    invoice = lines["invoice"].astype(str)
    code = lines["stock_code"].astype(str)
    rules = {
        "missing_customer": lines["customer_id"].isna().to_numpy(),
        "cancellation": invoice.str.startswith("C").to_numpy(),
        "non_product": (
            code.isin(NON_PRODUCT_CODES) | code.str.startswith(VOUCHER_PREFIX)
        ).to_numpy(),
        "return_or_adjustment": (lines["quantity"] <= 0).to_numpy(),
        "free_line": (lines["unit_price"] <= 0).to_numpy(),
    }
    keep = pd.Series(True, index=lines.index).to_numpy()
    removed: dict[str, int] = {}
    for name, hit in rules.items():
        removed[name] = int((keep & hit).sum())
        keep = keep & ~hit
    product_returns = ~rules["missing_customer"] & rules["cancellation"] & ~rules["non_product"]
    returns = lines[product_returns].copy()
    purchases = lines[keep].copy()
    for table in (purchases, returns):
        table["revenue"] = table["quantity"] * table["unit_price"]
    return RetailPurchases(
        purchases=purchases.reset_index(drop=True),
        returns=returns.reset_index(drop=True),
        removed=MappingProxyType(removed),
    )


#: Keyword rules that give each product a category from its description (Online
#: Retail has no category column). The first rule whose pattern matches the
#: upper-cased description wins; products matching none are "other" (7.5 % of
#: purchase lines, 10 % of products). A heuristic: "PAPER CHAIN KIT" lands in
#: stationery, a "HEART" candle holder in candles & lights. Rules were written
#: by reading the most common description words, not fitted to any outcome.
CATEGORY_RULES: tuple[tuple[str, str], ...] = (
    (
        "christmas",
        r"CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWFLAKE|SNOW ?MAN|NATIVITY|TREE DECORATION"
        r"|BAUBLE|ANGEL",
    ),
    (
        "candles & lights",
        r"CANDLE|T-LIGHT|TLIGHT|LANTERN|LIGHT|LAMP|INCENSE|OIL BURNER|DIFFUSER",
    ),
    ("bags", r"\bBAG\b|BAGS\b|SHOPPER|TOTE|PURSE|CHARLIE.*LOLA|JUMBO"),
    (
        "tableware",
        r"\bMUG|\bCUP\b|CUPS\b|SAUCER|TEACUP|TEAPOT|PLATE|BOWL|BEAKER|TUMBLER|GLASS|JUG"
        r"|CUTLERY|NAPKIN|PLACEMAT|COASTER|STRAW|DOILY|TRAY",
    ),
    (
        "kitchen & baking",
        r"CAKE|BAKING|CUTTER|KITCHEN|APRON|TEA TOWEL|OVEN|JAM|LUNCH ?BOX|SPOON|SCALES"
        r"|RECIPE|TIN|BISCUIT|CUPCAKE|JELLY|EGG",
    ),
    (
        "stationery & wrap",
        r"CARD|WRAP|PAPER|NOTE ?BOOK|PENCIL|PEN\b|STICKER|ENVELOPE|TAPE|CALENDAR|DIARY"
        r"|ERASER|RIBBON|TAG|BOOK|CRAYON|CHALK",
    ),
    (
        "toys & games",
        r"TOY|GAME|DOLL|PUZZLE|JIGSAW|SPACEBOY|PLAYHOUSE|SOLDIER|SKITTLES|DOMINO|BALLOON"
        r"|BUBBLE|KIT\b|PAINT|MAGIC|SPINNING|RATTLE|TEDDY|PARTY|BUNTING",
    ),
    (
        "jewellery & accessories",
        r"NECKLACE|EARRING|BRACELET|RING\b|BROOCH|HAIR|BEAD|JEWEL|CHARM|UMBRELLA|KEY ?RING"
        r"|SLIPPER|GLOVE|HAT\b|SCARF|COMPACT MIRROR|WATCH",
    ),
    (
        "garden & outdoor",
        r"GARDEN|PLANT|FLOWER POT|WATERING|BIRD|PICNIC|PARASOL|HAMMOCK|HERB|TRELLIS|SEED|GNOME",
    ),
    (
        "storage",
        r"\bBOX\b|BOXES|BASKET|STORAGE|JAR\b|HOOK|CABINET|DRAWER|HANGER|CRATE|TRUNK|CASE"
        r"|CASES|BOTTLE|CONTAINER|PEG|SHELF|RACK",
    ),
    (
        "home decor",
        r"SIGN|FRAME|CLOCK|DECORATION|HEART|HANGING|CUSHION|MIRROR|VASE|ORNAMENT|WREATH"
        r"|DOORSTOP|DOORMAT|QUILT|THROW|PLAQUE|FEATHER|WALL|CHANDELIER|BLOCK WORD|HOLDER"
        r"|WICKER|GARLAND|FLOWER|BELL|STAR\b|KNOB|BLANKET|HOT WATER",
    ),
)
OTHER_CATEGORY = "other"


def categorise_products(lines: pd.DataFrame) -> pd.DataFrame:
    """A category for every product, from keywords in its description.

    Online Retail has no category column. Each stock code gets its most
    frequent description (ties: the first in sort order), and the first rule
    of :data:`CATEGORY_RULES` whose pattern matches that description gives
    its category; products matching none are ``"other"``. This is a
    documented heuristic, not the retailer's own taxonomy: read
    :data:`CATEGORY_RULES` for what it does with ambiguous names.

    Parameters
    ----------
    lines : DataFrame
        With ``stock_code`` and ``description``: the released lines or the
        purchases of :func:`clean_online_retail`.

    Returns
    -------
    DataFrame
        Indexed by ``stock_code`` (sorted), with ``description`` and
        ``category``.

    Examples
    --------
    >>> lines = pd.DataFrame({"stock_code": ["A", "B", "C"],
    ...     "description": ["WHITE HANGING HEART T-LIGHT HOLDER", "JUMBO BAG RED RETROSPOT",
    ...                     "FRIDGE MAGNETS"]})
    >>> categorise_products(lines)["category"].tolist()
    ['candles & lights', 'bags', 'other']
    """
    if not isinstance(lines, pd.DataFrame):
        raise TypeError(f"lines must be a DataFrame, got {type(lines).__name__}")
    missing = [c for c in ("stock_code", "description") if c not in lines.columns]
    if missing:
        raise ValueError(f"lines has no column(s) {missing}: pass what load_online_retail returns")
    if len(lines) == 0:
        raise ValueError("lines is empty")
    known = lines.loc[lines["description"].notna(), ["stock_code", "description"]]
    counts = known.groupby(["stock_code", "description"]).size().reset_index(name="n")
    counts = counts.sort_values(["stock_code", "n", "description"], ascending=[True, False, True])
    first = counts.drop_duplicates("stock_code").set_index("stock_code")["description"]
    codes = pd.Index(np.sort(lines["stock_code"].astype(str).unique()), name="stock_code")
    description = first.reindex(codes).fillna("").astype(str)
    upper = description.str.upper()
    category = pd.Series(OTHER_CATEGORY, index=codes, dtype=object)
    open_ = np.ones(len(codes), dtype=bool)
    for name, pattern in CATEGORY_RULES:
        hit = upper.str.contains(pattern, regex=True).to_numpy() & open_
        category[hit] = name
        open_ &= ~hit
    return pd.DataFrame({"description": description, "category": category})
