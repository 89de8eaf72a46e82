"""The Online Retail loader and its cleaning: tiny generated copies (no network),
plus the real offline copy when $XPLAB_DATA_DIR points at it."""

import datetime
import gzip
import io
import os
import zipfile

import pandas as pd
import pytest

from xplab.data import DatasetUnavailableError, _fetch, clean_online_retail, load_online_retail
from xplab.data import online_retail as retail

RELEASED = pd.DataFrame(
    {
        "InvoiceNo": ["536365", "536365", "C536379", "536380", "A563185", "536381"],
        "StockCode": ["85123A", "POST", "85123A", "22752", "B", "gift_0001_10"],
        "Description": ["HEART", "POSTAGE", "HEART", "SET", "Adjust bad debt", "Voucher"],
        "Quantity": [6, 1, -6, 2, 1, 1],
        "InvoiceDate": pd.to_datetime(
            [
                "2010-12-01 08:26",
                "2010-12-01 08:26",
                "2010-12-01 09:41",
                "2010-12-02 10:00",
                "2011-08-12 14:50",
                "2010-12-03 11:00",
            ]
        ),
        "UnitPrice": [2.55, 18.0, 2.55, 7.65, 11062.06, 8.33],
        "CustomerID": [17850.0, 17850.0, 17850.0, None, None, 12583.0],
        "Country": ["United Kingdom"] * 5 + ["France"],
    }
)
TINY = {"rows": 6, "customers": 2, "stock_codes": 5, "invoices": 5, "revenue": 11103.69}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache, and no $XPLAB_DATA_DIR."""
    monkeypatch.delenv("XPLAB_DATA_DIR", raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setattr(_fetch, "default_cache_dir", lambda: folder)
    monkeypatch.setattr(retail, "default_cache_dir", lambda: folder)
    return folder


def write_copy(folder):
    path = folder / "online-retail" / "online_retail.csv.gz"
    path.parent.mkdir(parents=True)
    frame = RELEASED.assign(InvoiceDate=RELEASED["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    frame.to_csv(path, index=False)
    return path


def test_reads_a_copy_with_the_released_rows(tmp_path, cache):
    write_copy(tmp_path / "mine")
    lines = load_online_retail(data_dir=tmp_path / "mine", download=False, _expected=TINY)
    assert list(lines.columns) == list(retail.COLUMNS.values())
    assert len(lines) == 6
    assert lines["invoice"].tolist()[2] == "C536379"
    assert lines["customer_id"].dtype == "Int64" and lines["customer_id"].isna().sum() == 2
    assert lines["invoice_date"].iloc[0] == pd.Timestamp("2010-12-01 08:26")


def test_a_copy_that_differs_is_refused_with_what_differs(tmp_path, cache):
    write_copy(tmp_path / "mine")
    wrong = {**TINY, "rows": 7, "revenue": 11100.00}
    with pytest.raises(retail.RetailCountsError, match=r"rows 6 \(expected 7\).*revenue"):
        load_online_retail(data_dir=tmp_path / "mine", download=False, _expected=wrong)


def test_no_copy_and_no_download_says_what_to_do(tmp_path, cache):
    with pytest.raises(DatasetUnavailableError, match="XPLAB_DATA_DIR"):
        load_online_retail(data_dir=tmp_path / "empty", download=False)


def test_download_converts_the_spreadsheet_once_into_the_cache(tmp_path, cache, monkeypatch):
    sheet = io.BytesIO()
    RELEASED.to_excel(sheet, index=False, engine="openpyxl")
    archive = tmp_path / "online+retail.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Online Retail.xlsx", sheet.getvalue())
    calls = []

    def fake_fetch(url, dest):
        calls.append(url)
        dest.write_bytes(archive.read_bytes())

    monkeypatch.setattr(_fetch, "fetch_url", fake_fetch)
    first = load_online_retail(_expected=TINY)
    assert calls == [retail.URL]
    copy = cache / "online-retail" / "online_retail.csv.gz"
    with gzip.open(copy, "rt") as fh:
        header, row = fh.readline().strip(), fh.readline().strip()
    assert header == ",".join(retail.COLUMNS)  # the released column names, like the offline copy
    assert row == "536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom"
    second = load_online_retail(download=False, _expected=TINY)  # from the cache, no download
    assert calls == [retail.URL]
    pd.testing.assert_frame_equal(first, second)


def test_download_without_the_spreadsheet_is_refused(tmp_path, cache, monkeypatch):
    def fake_fetch(url, dest):
        with zipfile.ZipFile(dest, "w") as zf:
            zf.writestr("README.txt", "nothing here")

    monkeypatch.setattr(_fetch, "fetch_url", fake_fetch)
    with pytest.raises(DatasetUnavailableError, match=r"no 'Online Retail\.xlsx'"):
        load_online_retail(_expected=TINY)


def test_cleaning_counts_every_rule_in_order(tmp_path, cache):
    write_copy(tmp_path / "mine")
    lines = load_online_retail(data_dir=tmp_path / "mine", download=False, _expected=TINY)
    clean = clean_online_retail(lines)
    assert dict(clean.removed) == {
        "missing_customer": 2,
        "cancellation": 1,
        "non_product": 2,  # postage and the gift voucher
        "return_or_adjustment": 0,
        "free_line": 0,
    }
    assert clean.purchases["stock_code"].tolist() == ["85123A"]
    assert clean.purchases["revenue"].tolist() == [pytest.approx(15.3)]
    assert clean.returns["invoice"].tolist() == ["C536379"]
    assert sum(clean.removed.values()) + len(clean.purchases) == len(lines)
    assert "1 purchase lines" in repr(clean)


def test_fees_under_product_like_codes_and_cancelled_fees_are_not_products_or_returns():
    lines = pd.DataFrame(
        {
            "invoice": ["1", "1", "1", "C2", "C2", "3"],
            "stock_code": ["85123A", "23444", "23574", "D", "85123A", "PADS"],
            "description": [
                "HEART",
                "Next Day Carriage",
                "PACKING CHARGE",
                "Discount",
                "HEART",
                "PADS TO MATCH ALL CUSHIONS",
            ],
            "quantity": [6, 1, 1, -1, -2, 1],
            "invoice_date": pd.to_datetime(["2011-06-01"] * 6),
            "unit_price": [2.55, 15.0, 7.5, 20.0, 2.55, 0.001],
            "customer_id": pd.array([7] * 6, dtype="Int64"),
            "country": ["United Kingdom"] * 6,
        }
    )
    clean = clean_online_retail(lines)
    assert clean.removed["non_product"] == 2  # carriage and packing are fees
    assert clean.purchases["stock_code"].tolist() == ["85123A", "PADS"]  # cushion pads are goods
    # the cancelled discount is not a returned good; the returned hearts are
    assert clean.returns["stock_code"].tolist() == ["85123A"]
    assert clean.returns["revenue"].tolist() == [pytest.approx(-5.1)]


def test_download_reads_the_spreadsheets_own_cell_types(tmp_path, cache, monkeypatch):
    # the official sheet stores invoice numbers, most stock codes and customer ids as
    # numbers, and dates as date cells; the copy must still hold text codes and integer ids
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(retail.COLUMNS))
    when = datetime.datetime(2010, 12, 1, 8, 26)
    sheet.append(
        [
            536365,
            "85123A",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            6,
            when,
            2.55,
            17850,
            "United Kingdom",
        ]
    )
    sheet.append([536365, 71053, "WHITE METAL LANTERN", 6, when, 3.39, 17850, "United Kingdom"])
    sheet.append(["C536379", "D", "Discount", -1, when, 27.5, 14527, "United Kingdom"])
    sheet.append([536414, 22139, None, 56, when, 0, None, "United Kingdom"])
    sheet.append([536367, 21777, 20713, 8, when, 4.25, 13047, "France"])
    for cell in sheet["E"][1:]:
        cell.number_format = "m/d/yyyy h:mm"
    workbook = tmp_path / "sheet.xlsx"
    book.save(workbook)
    archive = tmp_path / "online+retail.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(workbook, "Online Retail.xlsx")
    monkeypatch.setattr(
        _fetch, "fetch_url", lambda url, dest: dest.write_bytes(archive.read_bytes())
    )
    tiny = {"rows": 5, "customers": 3, "stock_codes": 5, "invoices": 4, "revenue": 42.14}
    lines = load_online_retail(_expected=tiny)
    assert lines["invoice"].tolist() == ["536365", "536365", "C536379", "536414", "536367"]
    assert lines["stock_code"].tolist() == ["85123A", "71053", "D", "22139", "21777"]
    assert lines["description"].iloc[4] == "20713" and pd.isna(lines["description"].iloc[3])
    assert lines["customer_id"].dtype == "Int64" and lines["customer_id"].isna().sum() == 1
    assert lines["unit_price"].dtype == "float64" and lines["quantity"].dtype == "int64"
    with gzip.open(cache / "online-retail" / "online_retail.csv.gz", "rt") as fh:
        rows = fh.read().splitlines()
    assert (
        rows[2]
        == "536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom"
    )
    assert rows[4] == "536414,22139,,56,2010-12-01 08:26:00,0.0,,United Kingdom"


def test_cleaning_refuses_a_frame_without_the_columns():
    with pytest.raises(ValueError, match=r"lines has no column\(s\) \['invoice'"):
        clean_online_retail(RELEASED)


real = pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set")


@pytest.mark.data
@real
def test_real_online_retail_matches_the_published_counts():
    lines = load_online_retail(download=False)  # verified against the published counts
    assert retail.counts(lines) == {
        "rows": 541_909,
        "customers": 4_372,
        "stock_codes": 4_070,
        "invoices": 25_900,
        "revenue": pytest.approx(9_747_747.934, abs=0.01),
    }
    clean = clean_online_retail(lines)
    assert dict(clean.removed) == {
        "missing_customer": 135_080,
        "cancellation": 8_905,
        "non_product": 1_643,
        "return_or_adjustment": 0,
        "free_line": 34,
    }
    p = clean.purchases
    assert (len(p), p["customer_id"].nunique(), p["stock_code"].nunique()) == (
        396_247,
        4_334,
        3_658,
    )
    assert (p["quantity"] > 0).all() and (p["unit_price"] > 0).all()
    fees = ["POSTAGE", "DOTCOM POSTAGE", "CARRIAGE", "Next Day Carriage", "PACKING CHARGE"]
    assert not p["description"].isin(fees).any()
    assert int(p.duplicated().sum()) == 5_187  # identical lines of one invoice, kept
    # gross purchases: the two largest lines were cancelled minutes later
    big = p.nlargest(2, "quantity")[["customer_id", "quantity"]].to_numpy().tolist()
    assert big == [[16446, 80995], [12346, 74215]]
    r = clean.returns
    assert (len(r), (r["quantity"] < 0).all()) == (8_536, True)
    assert sorted(r.nsmallest(2, "quantity")["quantity"].tolist()) == [-80995, -74215]
    assert not r["stock_code"].isin(retail.NON_PRODUCT_CODES).any()
    assert round(p["revenue"].sum() + r["revenue"].sum(), 2) == 8_285_388.32


@pytest.mark.data
@real
def test_the_copy_written_after_a_download_has_the_offline_layout(tmp_path):
    # every 97th line of the offline copy, read and written back by the download path,
    # comes out byte for byte (float prices, "17850.0" ids, empty ids, quotes, dates)
    source = os.path.join(os.environ["XPLAB_DATA_DIR"], "online-retail", "online_retail.csv.gz")
    with gzip.open(source, "rt", newline="") as fh:
        text = fh.read().splitlines(keepends=True)
    sample = "".join([text[0], *text[1::97]])
    part = tmp_path / "sample.csv"
    part.write_text(sample, newline="")
    lines = retail.read_online_retail(part)
    assert lines["customer_id"].isna().any() and lines["invoice"].str.startswith("C").any()
    retail._write_copy(lines, tmp_path / "copy.csv.gz")
    with gzip.open(tmp_path / "copy.csv.gz", "rt", newline="") as fh:
        assert fh.read() == sample


def test_categories_follow_the_first_matching_rule():
    lines = pd.DataFrame(
        {
            "stock_code": ["1", "1", "1", "2", "3", "4"],
            "description": [
                "CHRISTMAS T-LIGHT HOLDER",  # christmas comes before candles
                "CHRISTMAS T-LIGHT HOLDER",
                "T-LIGHT HOLDER",  # the less frequent description is ignored
                "JUMBO BAG PINK",
                None,
                "FRIDGE MAGNET",
            ],
        }
    )
    got = retail.categorise_products(lines)
    assert got["category"].to_dict() == {"1": "christmas", "2": "bags", "3": "other", "4": "other"}
    assert got.loc["1", "description"] == "CHRISTMAS T-LIGHT HOLDER"


@real
@pytest.mark.data
def test_real_categories_leave_few_products_uncategorised():
    purchases = clean_online_retail(load_online_retail(download=False)).purchases
    cats = retail.categorise_products(purchases)
    assert len(cats) == 3_658
    line_share = purchases["stock_code"].map(cats["category"]).eq("other").mean()
    assert line_share < 0.08 and (cats["category"] == "other").mean() < 0.11
