import pytest

from xplab import serving
from xplab.serving import records


@pytest.mark.parametrize("name", sorted(records.COMMANDS))
def test_every_record_is_committed_and_complete(name):
    record = serving.benchmark_record(name)
    assert record["date"] and "load" in str(record)
    if name.startswith("bench_serving"):
        assert record["items"] == int(name.rsplit("_", 1)[1])
        for table in ("in_process", "redis"):
            stages = {row["stage"] for row in record[table]}
            assert stages == {*serving.STAGES, "total", "cpu"}
        assert {row["clients"] for row in record["http"]} == {1, 8, 32}
    else:
        assert any(row["model"].startswith("Spark") for row in record["table"])


def test_a_missing_record_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setattr(records, "RECORDED", tmp_path)
    with pytest.raises(FileNotFoundError, match="--record"):
        serving.benchmark_record("bench_spark_als")
