"""The sandbox that runs untrusted student code in a child process.

``run_child`` (``child.py``) runs one script under limits and returns a ``ChildOutcome`` whose ``Ending``
says how it ended; ``read_results`` loads the arrays it left in ``<scratch>/out``. ``jail.py`` builds and
supervises a run, ``layout.py`` says what it sees, ``syscalls.py`` is its syscall filter; ``zygote.py`` and
``forking.py`` are the grader's fork server, which starts runs without a new interpreter. The sandbox knows
nothing of the grader's files: what a run must not see, and what the fork server may load ahead for it,
are the caller's parameters.
"""

from .. import lazy_exports

# Each export is imported from its module on first use, not here: the grader starts the fork server
# (``warm_up``) before anything else, and the CLI needs ``Limits`` to build its parser, neither of which
# should wait for ``read_results``'s ``import numpy``.
_EXPORTS = {"UID_BASE": "launch", "ChildOutcome": "outcome", "Ending": "outcome", "Limits": "limits",
            "SandboxError": "launch", "isolation_mode": "child", "read_results": "results",
            "run_child": "child", "warm_up": "child", "scratch_root": "scratch"}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
