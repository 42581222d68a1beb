"""Which sandbox this machine allows, found once per grader process by trying it."""

import functools
import os
import tempfile
import threading
from pathlib import Path

from .launch import UID_BASE, SandboxError, launch
from .limits import Limits

# Tried in this order; "none" always works.
MODES_AS_ROOT = ("root", "userns")
MODES_AS_USER = ("userns",)


def describe(mode: str, uid: str) -> str:
    """The ``ChildOutcome.isolation`` of a run."""
    common = "no capabilities, no_new_privs, read-only whitelisted root, no network"
    if mode == "root":
        return f"namespaces pid+mount+net+ipc+uts, uid {uid} (its own), {common}"
    if mode == "userns":
        return (f"namespaces user+pid+mount+net+ipc+uts, uid 0 of its own user namespace "
                f"(uid {os.geteuid()} outside), {common}")
    if uid.isdigit() and int(uid) >= UID_BASE:
        return (f"reduced: no namespaces (not permitted here), uid {uid} (its own), no capabilities, "
                f"no_new_privs, own session, rlimits, best-effort cleanup; the child sees the machine's "
                f"files and processes and can read what any user can")
    return ("reduced: no namespaces (not root, and user namespaces unavailable): own session, rlimits, "
            "best-effort cleanup; the child runs as the grader's user and can read what it can")


def probe(mode: str) -> bool:
    """True when a trivial child runs to "ok" in ``mode``."""
    with tempfile.TemporaryDirectory(prefix="nnhw-probe-") as scratch:
        try:
            outcome = launch(mode, Path(scratch), ["-I", "-S", "-c", "pass"], Limits(timeout=10), describe)
        except SandboxError:
            return False
    return outcome.ok


_PROBING = threading.Lock()


def isolation_mode() -> str:
    """"root", "userns" or "none": the strongest sandbox that works here, found once per process (threads
    asking while it is being found wait for that one probe)."""
    with _PROBING:
        return _probed_mode()


@functools.cache
def _probed_mode() -> str:
    for mode in MODES_AS_ROOT if os.geteuid() == 0 else MODES_AS_USER:
        if probe(mode):
            return mode
    return "none"
