"""The benchmarks' one stopwatch, and the environment their whole commands run in."""

import os
import statistics
import tempfile
import time
from contextlib import contextmanager


def seconds_of(function, repeats, warm_up=True):
    """The wall seconds of each of ``repeats`` calls of ``function()``, after one untimed call unless
    ``warm_up`` is False.

    The warm-up fills caches (the page cache, the reference's expected arrays) that a real run
    has filled long before the second submission.
    """
    if warm_up:
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def median_seconds(function, repeats=20):
    """Median wall seconds of ``function()`` over ``repeats`` calls, after one warm-up call."""
    return statistics.median(seconds_of(function, repeats))


@contextmanager
def bytecode_cache(cached):
    """The commands' environment: as it is, or with a bytecode cache of their own in a temporary folder."""
    if not cached:
        yield
        return
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="nnhw-bench-pycache-") as cache:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = cache         # filled by each command's warm-up run
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)
