"""nnhw's autograder: the hidden reference, the handout generator, and trusted grading.

``make_submission`` (the kit's one region parser) lives at the repository root so that students have it
too; it is imported from there.
"""

import importlib
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:          # `python -m autograder` from another folder still finds it
    sys.path.insert(0, str(REPO_ROOT))


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
