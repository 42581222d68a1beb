"""The sandbox that runs untrusted student code in a child process.

``run_child`` runs one script under limits and returns a ``ChildOutcome``; ``read_results`` loads the
arrays it left in ``<scratch>/out``. As root, a run gets its own PID, mount, network, IPC and UTS
namespaces, its own unprivileged uid (``UID_BASE`` + a pid) without capabilities, and a read-only root
that shows the system, the interpreter, NumPy and scratch only; see ``jail.py`` for how, ``layout.py``
for what is visible.
"""

from .child import run_child
from .isolation import isolation_mode
from .launch import UID_BASE, SandboxError
from .limits import Limits
from .outcome import ChildOutcome
from .results import read_results

__all__ = ["UID_BASE", "ChildOutcome", "Limits", "SandboxError", "isolation_mode", "read_results", "run_child"]
