"""The grader's runs in the sandbox: ``run_child`` and ``warm_up``, told for every run what the sandbox
cannot know of the grader's files:

* ``PRIVATE``: the repository, of which a run must see nothing (the reference solution, the tests);
* ``PRELOAD``: the modules the probes' runner and the handout's modules import beyond NumPy, which the
  fork server imports once;
* ``precompiled()``: the trusted sources every run executes as they are (the probes, copied as
  ``runner.py``, and the handout's modules), which the fork server compiles once. A run could read them
  from the server's memory it shares: never name a file here that runs are not shown anyway.

Importing it costs nothing beyond ``os``: ``__main__`` calls ``warm_up`` before anything else.
"""

import functools
import os
from collections.abc import Sequence

from . import REPO

PRIVATE = (REPO,)
PRELOAD = ("dataclasses", "pickle", "traceback", "zipfile")


@functools.cache
def precompiled() -> tuple[str, ...]:
    handout = os.path.join(REPO, "hw1_student")
    try:
        modules = sorted(name for name in os.listdir(handout) if name.endswith(".py"))
    except OSError:
        modules = []
    return (os.path.join(REPO, "autograder", "probes.py"), *(os.path.join(handout, name) for name in modules))


# The annotations name ``threading.Thread``, ``sandbox.Limits`` and ``sandbox.ChildOutcome`` without
# importing them: they are never evaluated.
def warm_up() -> "threading.Thread":
    """``sandbox.warm_up`` for the grader: the fork server starts with what the grader's runs use."""
    from .sandbox import warm_up

    return warm_up(preload=PRELOAD, precompiled=precompiled())


def run_child(scratch: os.PathLike, script: str, args: Sequence[str], limits: "Limits",
              **options) -> "ChildOutcome":
    """``sandbox.run_child`` for the grader: the repository private, the fork server told what runs use.
    ``options``: ``sandbox.run_child``'s others (``fork_server_ok``)."""
    from .sandbox import run_child

    return run_child(scratch, script, args, limits, private=PRIVATE, preload=PRELOAD,
                     precompiled=precompiled(), **options)
