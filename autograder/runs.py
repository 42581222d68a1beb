"""The grader's runs in the sandbox: ``run_child`` and ``warm_up`` with what the grader knows of them.

The sandbox knows nothing of the grader's files; this module tells it, for every run:

* ``PRIVATE``: the repository, of which a run must see nothing (the reference solution, the tests), even
  where the folder of its Python would show it;
* ``PRELOAD``: the modules the probes' runner and the handout's modules import beyond NumPy, which the
  fork server imports once instead of in every run;
* ``precompiled()``: the trusted sources every run executes as they are (the probes, copied into each
  scratch folder as ``runner.py``, and the handout's modules, in every hybrid package), which the fork
  server compiles once. A run could read them from the server's memory it shares: never name a file
  here that runs are not shown anyway (the reference).

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
