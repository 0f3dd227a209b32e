"""FieldApp benchmarks: one runner, scenarios in ``benchmarks/scenarios/*.py``.

Run from the repository root::

    python -m benchmarks                      # every scenario
    python -m benchmarks demo_and_search --repeat 5
    python -m benchmarks --list
    python -m benchmarks load --full          # the long variant (1,000 laptops)

A scenario module defines ``NAME`` (str) and ``run(repeats: int) -> list[dict]``
(``run(repeats, full=False)`` if it has a longer variant for ``--full``);
each dict is one figure: ``{"figure": str, "unit": str, "samples": [float, ...]}``
plus optional ``"target"`` (float, same unit, lower is better), ``"target_stat"``
(``"median"``, the default, or ``"p95"``: which statistic must meet the target),
``"note"`` (str) and ``"details"`` (JSON-serialisable dict). The runner prints a
table and appends one JSON line per figure to ``benchmarks/results/results.jsonl``
(or ``--out``) with the statistics, the git commit and the machine.
"""
