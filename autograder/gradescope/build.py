"""``build_autograder_zip(path)``: the zip a TA uploads to Gradescope as the assignment's autograder.

Its members, at the top (Gradescope looks for ``setup.sh`` and ``run_autograder`` there)::

    setup.sh            run once by Gradescope: Python >= 3.11 and the pinned requirements, in a venv
    run_autograder      run per submission: grades it into results/results.json
    requirements.txt    the grader's third-party modules, pinned to the versions installed here
    settings.json       what the TA chose when building: the language of the students' results, and when
                        they see the tests (Gradescope's ``visibility``)
    regions.py          the one region parser, which the grader imports
    loop_check.py       the vectorisation check, which the grader imports
    autograder/...      the grader with the reference solution (never the students' handout, nor tests/)
"""

import importlib.metadata
import json
from pathlib import Path

from ..handout import _shipped, write_zip
from ..paths import REPO_ROOT
from .run import SETTINGS

SCRIPTS = ("run_autograder", "setup.sh")            # files of this package, executable in the zip
REQUIREMENTS = "requirements.txt"
# What the grader and its sandboxed child import from outside the standard library (a test reads the
# shipped code's imports and holds this list to them). matplotlib is only for the students' training;
# pyseccomp is the sandbox's syscall filter, the one layer Gradescope's and PrairieLearn's containers allow.
RUNTIME_DEPENDENCIES = ("numpy", "rich", "pyseccomp")
_HERE = Path(__file__).parent


def grader_files(lang="en", visibility="visible"):
    """``{name: (bytes, permission bits)}``: the requirements, the settings, the grader (Gradescope's zip
    and PrairieLearn's course files both hold them)."""
    # Each runtime dependency pinned to the version this Python has: Gradescope runs what the tests ran.
    pins = "".join(f"{name}=={importlib.metadata.version(name)}\n" for name in RUNTIME_DEPENDENCIES)
    files = {REQUIREMENTS: (pins.encode("utf-8"), 0o644),
             SETTINGS: (json.dumps({"lang": lang, "visibility": visibility}).encode("utf-8") + b"\n", 0o644)}
    for shared in ("regions.py", "loop_check.py"):
        files[shared] = ((REPO_ROOT / shared).read_bytes(), 0o644)
    for path in sorted((REPO_ROOT / "autograder").rglob("*")):
        rel = path.relative_to(REPO_ROOT).as_posix()
        if _shipped(path, rel):                    # the handout's rule: no caches, no hidden files
            files[rel] = (path.read_bytes(), 0o644)
    return files


def build_autograder_zip(out_path, lang="en", visibility="visible"):
    """Write the autograder zip to ``out_path`` (atomically); returns its member names, in zip order.
    ``lang`` ("en" or "zh") is the language of the results students see on Gradescope, ``visibility``
    (one of ``render.gradescope.VISIBILITIES``) when they see the tests: their points and feedback.

    Raises OSError when ``out_path`` cannot be written.
    """
    files = {name: ((_HERE / name).read_bytes(), 0o755) for name in SCRIPTS} | grader_files(lang, visibility)
    write_zip(out_path, files)
    return sorted(files)
