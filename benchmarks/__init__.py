"""Timing benchmarks: ``python -m benchmarks`` (``make bench``) runs every ``bench_*.py`` module's ``main()``.

They print figures and never assert on time: machines differ.
"""
