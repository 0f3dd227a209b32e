"""Benchmark scenarios, discovered by :mod:`benchmarks.runner` (see ``benchmarks/__init__.py``)."""
