"""The benchmark runner: discovery, statistics, table and JSON lines (with a fake scenario)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from benchmarks import runner


@pytest.fixture
def fake_scenarios(monkeypatch):
    """Two scenario modules in place of benchmarks/scenarios/*: one passing, one failing."""
    calls: list[int] = []

    fast = types.ModuleType("benchmarks.scenarios.fast")
    fast.NAME = "fast"
    fast.DEFAULT_REPEATS = 4

    def run(repeats: int) -> list[dict]:
        calls.append(repeats)
        return [{"figure": "search '便利'", "unit": "ms", "samples": [3.0, 1.0, 2.0, 10.0], "target": 5.0,
                 "target_stat": "p95", "note": "12,156 hits", "details": {"hits": 12156}},
                {"figure": "no target", "unit": "s", "samples": [1.5]}]

    fast.run = run
    broken = types.ModuleType("benchmarks.scenarios.broken")
    broken.NAME = "broken"
    broken.run = lambda repeats: 1 / 0
    found = [runner.Scenario("fast", fast.__name__, fast), runner.Scenario("broken", broken.__name__, broken)]
    monkeypatch.setattr(runner, "discover", lambda: found)
    return calls


def test_statistics():
    fig = runner.Figure.from_dict("s", {"figure": "f", "unit": "ms", "samples": [5, 1, 4, 2, 3], "target": 3})
    assert (fig.median, fig.p95, min(fig.samples), fig.stdev) == (3, 5, 1, pytest.approx(1.5811, rel=1e-3))
    assert fig.meets_target is True
    assert runner.percentile(list(range(1, 21)), 0.95) == 19
    with pytest.raises(ValueError):
        runner.Figure.from_dict("s", {"figure": "f", "unit": "ms", "samples": []})


def test_runs_selected_scenario_prints_table_and_appends_json(fake_scenarios, tmp_path, capsys):
    out = tmp_path / "results.jsonl"
    out.write_text('{"earlier": true}\n')
    code = runner.main(["fast", "--out", str(out)])
    assert code == 1  # p95 10 ms misses the 5 ms target
    assert fake_scenarios == [4]  # the scenario's own default repeats
    printed = capsys.readouterr().out
    assert "search '便利'" in printed and "OVER" in printed and "12,156 hits" in printed
    lines = out.read_text().splitlines()
    assert json.loads(lines[0]) == {"earlier": True}  # appended, not overwritten
    first, second = (json.loads(line) for line in lines[1:])
    assert first["scenario"] == "fast" and first["value"] == 2.5 and first["p95"] == 10.0
    assert first["spread"]["min"] == 1.0 and first["spread"]["max"] == 10.0 and first["n"] == 4
    assert first["samples"] == [3.0, 1.0, 2.0, 10.0] and first["meets_target"] is False
    assert first["details"] == {"hits": 12156} and first["repeat"] == 4
    assert {"timestamp", "git_commit", "git_dirty"} <= first.keys()
    assert {"cpu", "cores", "ram_gib", "python", "sqlite", "platform"} <= first["machine"].keys()
    assert second["target"] is None and second["meets_target"] is None and second["spread"]["stdev"] is None


def test_repeat_option_and_failing_scenario(fake_scenarios, tmp_path, capsys):
    out = tmp_path / "r.jsonl"
    assert runner.main(["--repeat", "7", "--out", str(out)]) == 1
    assert fake_scenarios == [7]
    err = capsys.readouterr().err
    assert "[broken] failed" in err and "ZeroDivisionError" in err
    assert len(out.read_text().splitlines()) == 2  # only the scenario that ran


def test_no_save_and_unknown_scenario(fake_scenarios, tmp_path, capsys):
    out = tmp_path / "none.jsonl"
    runner.main(["fast", "--no-save", "--out", str(out)])
    assert not out.exists()
    with pytest.raises(SystemExit) as exited:
        runner.main(["nope"])
    assert exited.value.code == 2 and "unknown scenario" in capsys.readouterr().err


def test_real_scenarios_are_discovered():
    names = {s.name for s in runner.discover()}
    assert "demo_and_search" in names
    assert all(s.module is not None for s in runner.discover()), [s.error for s in runner.discover()]


def test_full_option_reaches_only_scenarios_that_take_it(monkeypatch, tmp_path):
    seen: list = []
    long = types.ModuleType("benchmarks.scenarios.long")
    long.NAME = "long"

    def run_long(repeats: int, full: bool = False) -> list[dict]:
        seen.append(("long", full))
        return [{"figure": "f", "unit": "s", "samples": [1.0]}]

    long.run = run_long
    plain = types.ModuleType("benchmarks.scenarios.plain")
    plain.NAME = "plain"
    plain.run = lambda repeats: seen.append(("plain", None)) or [{"figure": "g", "unit": "s", "samples": [1.0]}]
    found = [runner.Scenario("long", long.__name__, long), runner.Scenario("plain", plain.__name__, plain)]
    monkeypatch.setattr(runner, "discover", lambda: found)
    out = tmp_path / "r.jsonl"
    assert runner.main(["--full", "--out", str(out)]) == 0
    assert runner.main(["long", "--no-save"]) == 0
    assert seen == [("long", True), ("plain", None), ("long", False)]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("full") for r in records] == [True, None]


def test_zero_target_renders_as_equal():
    table = runner.render_table([runner.Figure("s", "errors", "errors", [0.0], target=0.0),
                                 runner.Figure("s", "late", "errors", [2.0], target=0.0)])
    rows = table.splitlines()[2:4]
    assert "= 0" in rows[0] and rows[0].endswith("ok") and rows[1].endswith("OVER")


def test_cjk_width_alignment():
    assert runner._width("便利ab") == 6
    table = runner.render_table([runner.Figure("s", "便利", "ms", [1.0]), runner.Figure("s", "abcd", "ms", [2.0])])
    rows = table.splitlines()[2:4]
    assert runner._width(rows[0].split("  ms")[0]) == runner._width(rows[1].split("  ms")[0])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
