"""bench.report: growth is judged on the interleaved rounds when the run has them (bench/README.md).

Built on a real run's results (bench/results/2026-11-27-third-run.json, taken before the rounds existed), with
rounds added by hand: the report must judge growth on them, and on the sizes' own figures only without them."""

import copy
import json
from pathlib import Path

from bench.report import render

RUN = Path(__file__).resolve().parent.parent / "bench" / "results" / "2026-11-27-third-run.json"


def _results():
    return json.loads(RUN.read_text(encoding="utf-8"))


def _round(pages, key, wall_s, db_s):
    got = copy.deepcopy(pages)
    got[key]["wall"]["median"], got[key]["db"]["median"] = wall_s, db_s
    return {"pages": got, "cpu_probe_ms": 50.0}


def _growth_misses(results):
    _text, misses = render(results)
    return sorted(m.split(":")[0] for m in misses if "page wall time grew" in m)


def test_without_rounds_growth_is_judged_on_each_sizes_own_figures():
    assert _growth_misses(_results()) == ["inbox", "mediation_inbox", "queue"]


def test_with_rounds_growth_is_judged_on_the_median_of_the_rounds():
    results = _results()
    sizes = sorted(results["sizes"], key=int)
    small, big = sizes[0], sizes[-1]
    rounds = {}
    for n in sizes:
        pages = results["sizes"][n]["pages"]
        # the queue: flat in the rounds (1.0×); the inbox: 2× in two rounds of three (the median), 1× in one
        rounds[n] = [_round(pages, "queue", 0.030, 0.005) for _ in range(3)]
        for i, got in enumerate(rounds[n]):
            doubled = n == big and i < 2
            got["pages"]["inbox"]["wall"]["median"] = 0.040 if doubled else 0.020
            got["pages"]["inbox"]["db"]["median"] = 0.004
    results["rounds"] = rounds
    text, _misses = render(results)
    misses = _growth_misses(results)
    assert "queue" not in misses  # 1.98× in its own figures, flat in the rounds
    assert "inbox" in misses  # 1.50× in its own figures, 2.00× in the rounds' median
    assert "growth wall 2.00×" in text and "growth wall 1.00×" in text
    assert f"{int(small):,}" in text and "interleaved rounds" in text


def test_accept_by_kind_is_reported_when_every_size_measured_it():
    results = _results()
    assert "accept, not about wages" not in render(results)[0]  # runs before 2026-12-06 did not measure it
    for i, n in enumerate(sorted(results["sizes"], key=int)):
        rates = {"other": 170.0 + i, "wage_arrears": 60.0 + i}
        results["sizes"][n]["transitions"]["accept_by_kind"] = {
            kind: {"per_second": {"median": rate, "min": rate - 5, "max": rate + 5}, "batch": 25,
                   "queries": 10 if kind == "other" else 34}
            for kind, rate in rates.items()}
    text, _misses = render(results)
    assert "| cases | accept, not about wages /s | queries | accept opening a wage claim /s | queries |" in text
    assert "| 10,000 | 170.00 (165.00–175.00) | 10 | 60.00 (55.00–65.00) | 34 |" in text
    assert "| 1,000,000 | 172.00 (167.00–177.00) | 10 | 62.00 (57.00–67.00) | 34 |" in text
