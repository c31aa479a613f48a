"""The bench's targets table and the pyatlan comparison's helpers: pure functions on figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.__main__ import memory_rows, rows_build, scale_label
from bench.compare import asset_key, pyatlan_pin, states_compare


def figures(assets: int, *, first_s: float = 30.0, peak_mb: float = 150.0) -> dict[str, Any]:
    page = {"url": "/datastores/1/", "status": 200, "median_ms": 40.0, "queries": 14}
    return {
        "assets": assets,
        "setup_s": 9.0,
        "generate_s": 1.0,
        "catalog_load_s": 6.0,
        "store_build_s": 2.0,
        "floor": {"wall_s": 10.0, "pages": 500},
        "floor_sync_attributes": {"wall_s": 12.0, "pages": 500},
        "first_sync": {
            "wall_s": first_s,
            "sandbox_write_s": 5.0,
            "sandbox_read_s": 9.0,
            "sandbox_reads": 510,
            "sandbox_writes": 5210,
            "sandbox_search_pages": 500,
            "queries": 9000,
            "peak_rss_mb": peak_mb,
        },
        "noop_sync": {"wall_s": 14.0, "sandbox_writes": 0, "queries": 3000},
        "event_push": {
            "wall_s": 0.25,
            "queries": 40,
            "status": "succeeded",
            "sandbox_reads": 3,
            "sandbox_writes": 1,
        },
        "pages": {"datastore": page},
    }


def by_name(rows: list[tuple[str, str, str, str]]) -> dict[str, tuple[str, str, str]]:
    return {name: (measured, target, met) for name, measured, target, met in rows}


def test_scale_label_names_sizes_as_the_issue_does() -> None:
    assert scale_label(20_180) == "20k"
    assert scale_label(100_980) == "101k"
    assert scale_label(1_009_800) == "1M"


def test_rows_apply_the_issue_targets() -> None:
    rows = by_name(rows_build(figures(100_980), figures(20_180)))
    # 2 x (12 s floor + 5 s writes) = 34 s: 30 s meets it.
    assert rows["101k (b) first full sync wall"] == (
        "30.0 s",
        "<= 2 x (floor + 5.0 s sandbox writes) = 34.0 s",
        "yes",
    )
    # 1.2 x 12 s = 14.4 s.
    assert rows["101k (c) no-op resync wall"][1:] == ("<= 1.2 x floor = 14.4 s", "yes")
    assert rows["101k (c) no-op catalog writes"] == ("0", "0", "yes")
    assert rows["101k (d) event push of one table"][1:] == ("< 300 ms", "yes")
    assert rows["101k (b) worker peak RSS"] == ("150 MB", "< 200 MB", "yes")
    assert rows["worker peak RSS across sizes"][2] == "yes"
    assert not any("1M" in name for name in rows)


def test_the_million_rows_add_ten_minutes_and_constant_page_queries() -> None:
    huge = figures(1_009_800, first_s=700.0)
    huge["floor_sync_attributes"]["wall_s"] = 400.0
    huge["pages"]["datastore"] = {**huge["pages"]["datastore"], "queries": 15}
    rows = by_name(rows_build(figures(100_980), None, huge))
    # Within 2 x (400 + 5) s but not under 600 s.
    assert rows["1M (b) first full sync wall"][1:] == (
        "<= 2 x (floor + 5.0 s sandbox writes) = 810.0 s, and < 600 s",
        "NO",
    )
    assert rows["(e) page datastore queries, 101k -> 1M"] == ("14 -> 15", "constant", "NO")


def test_memory_spread_over_fifteen_percent_fails() -> None:
    rows = memory_rows([figures(20_180, peak_mb=100.0), figures(100_980, peak_mb=116.0)])
    assert rows[0][1] == "100 MB at 20k, 116 MB at 101k (spread 16%)"
    assert rows[0][3] == "NO"
    assert memory_rows([figures(20_180)]) == []


def test_compare_rows_print_the_ratio_and_the_end_state() -> None:
    big = figures(100_980, first_s=42.0)
    end = states_compare(
        {"a": {"values": {"x": 1}, "announcement": None}}, {"a": {"values": {"x": 1}, "announcement": None}}
    )
    big["compare"] = {
        "wall_s": 150.0,
        "sandbox_reads": 600,
        "sandbox_read_s": 100.0,
        "sandbox_writes": 5200,
        "end_state": end,
    }
    rows = by_name(rows_build(big, None))
    assert rows["101k Plumbline / pyatlan script, first sync"] == ("42.0 s / 150.0 s = 0.28", "< 0.3", "yes")
    assert rows["101k pyatlan script end state"][2] == "yes"
    assert rows["101k pyatlan script, first sync work"][0] == (
        "150.0 s (600 reads in 100 s of sandbox time, 5200 writes; Plumbline 510 reads in 9 s, 5210 writes)"
    )


def test_states_compare_finds_differing_and_missing_assets() -> None:
    ours = {"a": {"values": {"x": 1}, "announcement": None}, "b": {"values": {"x": 2}, "announcement": None}}
    theirs = {"a": {"values": {"x": 1.5}, "announcement": None}, "c": {"values": {}, "announcement": None}}
    diff = states_compare(ours, theirs)
    assert (diff["differing"], diff["only_first"], diff["only_second"], diff["equal"]) == (1, 1, 1, False)


def test_asset_key_joins_names_in_lower_case() -> None:
    column = {
        "connectorName": "snowflake",
        "databaseName": "ANALYTICS",
        "schemaName": "PUBLIC",
        "tableName": "ORDERS",
        "name": "ID",
    }
    assert asset_key(column, "Column") == "snowflake/analytics/public/orders/id"
    assert asset_key({**column, "name": "PUBLIC"}, "Schema") == "snowflake/analytics/public"


def test_pyatlan_pin_reads_the_test_lock(tmp_path: Path) -> None:
    lock = tmp_path / "test.txt"
    lock.write_text("pyasn1==0.6.1 \\\n    --hash=sha256:aa\npyatlan==11.6.0 \\\n    --hash=sha256:bb\n")
    assert pyatlan_pin(lock) == "11.6.0"
    assert pyatlan_pin() == "11.6.0"


def test_the_peak_row_says_when_the_peak_came_when_the_worker_sampled_it() -> None:
    big = figures(100_980)
    big["first_sync"]["rss_peak_sampled"] = {"at_fraction": 0.87, "timeline_mb": [120.2, 124.0, 126.4]}
    rows = by_name(rows_build(big, None))
    assert rows["101k (b) worker peak RSS"] == (
        "150 MB (reached at 87% of the run; 120 MB at its first tenth, 126 MB at its end)",
        "< 200 MB",
        "yes",
    )


def test_the_worker_samples_memory_by_tenths_of_the_run() -> None:
    from datetime import UTC, datetime

    from bench.worker import RssSampler

    sampler = RssSampler()
    now = datetime.now(UTC)
    sampler.samples = [(now, float(mb)) for mb in range(100, 120)]
    assert sampler.timeline(parts=4) == [105.0, 110.0, 115.0, 119.0]
    assert sampler.peak() == (now, 119.0)
    assert RssSampler().timeline() == [] and RssSampler().peak() is None
