"""The benchmarks' one stopwatch."""

import statistics
import time


def median_seconds(function, repeats=20):
    """Median wall seconds of ``function()`` over ``repeats`` calls, after one warm-up call.

    The warm-up fills caches (the page cache, the reference's expected arrays) that a real run
    has filled long before the second submission.
    """
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
