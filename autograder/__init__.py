"""nnhw's autograder: the hidden reference, the handout generator, and trusted grading.

``regions`` (the kit's one region parser) lives at the repository root so that students have it too;
it is imported from there.
"""

import importlib
import os
import sys

# The repository's folder. As a str here: pathlib is not imported yet when ``__main__`` starts the fork
# server, which comes before any other import.
REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
if REPO not in sys.path:                    # `python -m autograder` from another folder still finds it
    sys.path.insert(0, REPO)


def __getattr__(name):
    """``REPO_ROOT``, the repository's folder as a Path, made on first use."""
    if name != "REPO_ROOT":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from pathlib import Path

    global REPO_ROOT
    REPO_ROOT = Path(REPO)
    return REPO_ROOT


def lazy_exports(namespace, exports):
    """``__getattr__`` and ``__dir__`` (PEP 562) for the package whose ``globals()`` is ``namespace``: each
    name of ``exports`` (``{name: submodule}``) is imported from its submodule on first use.

    Importing a package then costs nothing beyond its ``__init__``: a command imports only the parts it
    uses, and ``from package import name`` works as before.
    """
    package = namespace["__name__"]

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{exports[name]}", package), name)
        namespace[name] = value        # once: later lookups, and monkeypatching, see a plain attribute
        return value

    def __dir__():
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
