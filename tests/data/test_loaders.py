"""The MovieLens and BBC parsers on tiny generated folders, plus the real offline
copies when $XPLAB_DATA_DIR points at them."""

import os
import subprocess
import sys

import pytest

from xplab.data import load_bbc_news, load_movielens_100k
from xplab.data.bbc import read_bbc_news
from xplab.data.movielens import read_movielens_100k

GENRES = ["unknown", "Action", "Comedy"]


@pytest.fixture
def tiny_movielens(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text(
        "1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n"
    )
    (folder / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(GENRES)) + "\n")
    (folder / "u.item").write_bytes(
        "10|Amélie (2001)|01-Jan-2001||http://x|0|0|1\n20|Heat (1995)|||http://y|0|1|1\n".encode(
            "latin-1"
        )
    )
    (folder / "u.user").write_text("1|24|M|technician|85711\n2|53|F|other|T8H1N\n")
    return folder


def test_read_movielens_tables(tiny_movielens):
    ml = read_movielens_100k(tiny_movielens)
    assert list(ml.ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert ml.ratings.shape == (3, 4)
    assert ml.genres == tuple(GENRES)
    assert ml.items.loc[10, "title"] == "Amélie (2001)"  # latin-1 decoded
    assert ml.items.loc[20, "genres"] == ["Action", "Comedy"]
    assert ml.items.loc[20, "Action"] and not ml.items.loc[10, "Action"]
    assert ml.items["release_date"].isna().sum() == 1
    assert ml.users.loc[2, "zip_code"] == "T8H1N"
    assert "ratings=3 rows" in repr(ml)


def test_read_bbc(tmp_path):
    (tmp_path / "tech").mkdir()
    (tmp_path / "sport").mkdir()
    (tmp_path / "tech" / "001.txt").write_text("Title one\n\nBody text.\nMore.\n")
    (tmp_path / "sport" / "199.txt").write_bytes("Caf\xe9 win\n\nAllez.\n".encode("latin-1"))
    news = read_bbc_news(tmp_path)
    assert list(news.columns) == ["article_id", "category", "title", "body"]
    assert list(news["article_id"]) == ["sport/199", "tech/001"]
    assert news.loc[0, "title"] == "Café win"
    assert news.loc[1, "body"] == "Body text.\nMore."


def test_import_does_no_io():
    # Importing xplab (and xplab.data) must not open any data file or socket.
    code = (
        "import builtins, socket\n"
        "opened = []\n"
        "real_open = builtins.open\n"
        "def spy(f, *a, **k):\n"
        "    opened.append(str(f)); return real_open(f, *a, **k)\n"
        "builtins.open = spy\n"
        "socket.socket.connect = lambda *a: (_ for _ in ()).throw(OSError('net'))\n"
        "import xplab, xplab.data\n"
        "print([f for f in opened if 'ml-100k' in f or 'bbc' in f or 'data' in f.split('/')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


real = pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set")


@pytest.mark.data
@real
def test_real_movielens():
    ml = load_movielens_100k(download=False)
    r = ml.ratings
    assert r.shape == (100_000, 4)
    assert r["user_id"].nunique() == 943
    assert r["item_id"].nunique() == 1682
    assert r["rating"].mean() == pytest.approx(3.52986)
    assert len(ml.items) == 1682 and len(ml.users) == 943
    assert ml.items.loc[1, "title"] == "Toy Story (1995)"


@pytest.mark.data
@real
def test_real_bbc():
    news = load_bbc_news(download=False)
    assert len(news) == 2225
    assert news["category"].value_counts().to_dict() == {
        "sport": 511,
        "business": 510,
        "politics": 417,
        "tech": 401,
        "entertainment": 386,
    }
    assert news["body"].nunique() == 2092
    # the one latin-1 file decodes to a pound sign, not a replacement character
    assert "a £15.8m" in news.set_index("article_id").loc["sport/199", "body"]
