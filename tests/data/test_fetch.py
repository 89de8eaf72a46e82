"""The download/verify/extract path on tiny generated archives (no network)."""

import hashlib
import zipfile
from pathlib import Path

import pytest

from xplab.data import _fetch
from xplab.data._fetch import (
    ChecksumError,
    DatasetSpec,
    DatasetUnavailableError,
    locate,
    safe_extract,
    tree_digest,
)

CONTENT = b"1\t2\t5\t881250949\n"
SPEC = DatasetSpec(
    name="Tiny",
    folder="tiny",
    url="https://example.invalid/tiny.zip",
    homepage="https://example.invalid/",
    checksums={"u.data": hashlib.sha256(CONTENT).hexdigest()},
)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache, and no $XPLAB_DATA_DIR."""
    monkeypatch.delenv("XPLAB_DATA_DIR", raising=False)
    folder = tmp_path / "cache"
    monkeypatch.setattr(_fetch, "default_cache_dir", lambda: folder)
    return folder


def test_prefers_explicit_data_dir(tmp_path, cache):
    (tmp_path / "mine" / "tiny").mkdir(parents=True)
    (tmp_path / "mine" / "tiny" / "u.data").write_bytes(CONTENT)
    assert locate(SPEC, data_dir=tmp_path / "mine", download=False) == tmp_path / "mine" / "tiny"


def test_env_var_is_used(tmp_path, cache, monkeypatch):
    (tmp_path / "env" / "tiny").mkdir(parents=True)
    (tmp_path / "env" / "tiny" / "u.data").write_bytes(CONTENT)
    monkeypatch.setenv("XPLAB_DATA_DIR", str(tmp_path / "env"))
    assert locate(SPEC, download=False) == tmp_path / "env" / "tiny"


def test_download_extracts_and_verifies_into_cache(tmp_path, cache, monkeypatch):
    archive = make_zip(tmp_path / "src.zip", {"tiny/u.data": CONTENT, "tiny/README": b"hi"})
    calls = []

    def fake_fetch(url, dest):
        calls.append(url)
        dest.write_bytes(archive.read_bytes())

    monkeypatch.setattr(_fetch, "fetch_url", fake_fetch)
    folder = locate(SPEC)
    assert folder == cache / "tiny"
    assert (folder / "u.data").read_bytes() == CONTENT
    assert calls == [SPEC.url]
    # second call reads the cache, no new download
    assert locate(SPEC) == folder
    assert len(calls) == 1


def test_download_with_wrong_content_is_rejected_and_not_cached(tmp_path, cache, monkeypatch):
    archive = make_zip(tmp_path / "src.zip", {"tiny/u.data": b"tampered"})
    monkeypatch.setattr(
        _fetch, "fetch_url", lambda url, dest: dest.write_bytes(archive.read_bytes())
    )
    with pytest.raises(ChecksumError, match="expected"):
        locate(SPEC)
    assert not (cache / "tiny").exists()


def test_offline_without_copy_says_what_to_do(cache, monkeypatch):
    def offline(url, dest):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(_fetch, "fetch_url", offline)
    with pytest.raises(DatasetUnavailableError) as info:
        locate(SPEC)
    message = str(info.value)
    assert "could not be downloaded" in message
    assert "XPLAB_DATA_DIR" in message
    assert SPEC.url in message
    assert str(cache / "tiny") in message


def test_download_false_never_fetches(cache, monkeypatch):
    monkeypatch.setattr(_fetch, "fetch_url", pytest.fail)
    with pytest.raises(DatasetUnavailableError, match="download=False"):
        locate(SPEC, download=False)


def test_real_fetcher_is_blocked_in_tests(tmp_path):
    # guards the conftest: the default fetcher cannot reach the network here
    with pytest.raises(OSError):
        _fetch._urlretrieve("http://192.0.2.1/x.zip", tmp_path / "x.zip")


def test_damaged_local_copy_is_reported(tmp_path, cache):
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "u.data").write_bytes(b"damaged")
    with pytest.raises(ChecksumError, match="damaged or not the official release"):
        locate(SPEC, data_dir=tmp_path, download=False)


@pytest.mark.parametrize("evil", ["../escape.txt", "/abs/escape.txt", "tiny/../../escape.txt"])
def test_safe_extract_rejects_paths_outside_target(tmp_path, evil):
    archive = make_zip(tmp_path / "evil.zip", {"tiny/ok.txt": b"ok", evil: b"x"})
    with pytest.raises(ValueError, match="outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_safe_extract_rejects_symlinks(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("tiny/link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(ValueError, match="symbolic link"):
        safe_extract(archive, tmp_path / "out")


def test_tree_digest_changes_with_any_file(tmp_path):
    for name in ["a/1.txt", "b/2.txt"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(name)
    before = tree_digest(tmp_path, "*/*.txt")
    (tmp_path / "b/2.txt").write_text("changed")
    assert tree_digest(tmp_path, "*/*.txt") != before
