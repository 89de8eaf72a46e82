"""The Online Retail loader and its cleaning: tiny generated copies (no network),
plus the real offline copy when $XPLAB_DATA_DIR points at it."""

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
        "non_product": 1_550,
        "return_or_adjustment": 0,
        "free_line": 34,
    }
    assert len(clean.purchases) == 396_340
    assert clean.purchases["customer_id"].nunique() == 4_334
    assert (clean.purchases["quantity"] > 0).all() and (clean.purchases["unit_price"] > 0).all()
