"""Cache files are replaced whole: xplab._files.replacing."""

import threading

import pytest

from xplab._files import replacing


def test_replaces_whole_and_leaves_no_scratch(tmp_path):
    target = tmp_path / "cache.bin"
    target.write_bytes(b"old")
    with replacing(target) as scratch:
        assert scratch.parent == tmp_path and scratch != target
        scratch.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nothing moves until the block ends
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]


def test_the_file_gets_the_permissions_of_a_plain_open(tmp_path):
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"x")
    with replacing(tmp_path / "cache.bin") as scratch:
        scratch.write_bytes(b"x")
    assert (tmp_path / "cache.bin").stat().st_mode == plain.stat().st_mode


def test_a_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "cache.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"), replacing(target) as scratch:
        scratch.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]


def test_writers_at_once_never_share_a_scratch_file(tmp_path):
    target = tmp_path / "cache.bin"
    inside = threading.Barrier(4)
    scratches = []

    def write(i: int) -> None:
        with replacing(target) as scratch:
            scratches.append(scratch)
            inside.wait()  # all four are writing at the same time
            scratch.write_bytes(bytes([i]) * 100_000)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(scratches)) == 4
    data = target.read_bytes()
    assert data in {bytes([i]) * 100_000 for i in range(4)}  # one writer's file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["cache.bin"]
