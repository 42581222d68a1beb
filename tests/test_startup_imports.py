"""A command pays only for what it uses: what each start imports, and when the fork server starts.

Each check runs a fresh interpreter (this process has imported everything long ago) and reads its
``sys.modules``; nothing here is timed (``benchmarks/bench_class.py`` gives the figures).
"""

import json
import shutil
import subprocess
import sys

import pytest

from autograder.paths import HANDOUT_DIR, REPO_ROOT

# Modules of one verb, or of grading itself, that importing the command line must not load.
NOT_FOR_THE_CLI = ("rich", "numpy", "regions", "autograder.reference", "autograder.batch",
                   "autograder.gradescope", "autograder.demo", "autograder.handout", "autograder.grade",
                   "autograder.load", "autograder.render.terminal", "autograder.sandbox.results")
# Run `python -m autograder ARGV` in-process, with a spy on the sandbox's warm-up that records what was
# already imported when it was called; print what was imported in the end and those calls.
SPIED_MAIN = """
import json, runpy, sys
import autograder.sandbox.child as child
calls, real = [], child.warm_up
def spy(**options):
    calls.append(sorted(m for m in ("numpy", "autograder.cli") if m in sys.modules))
    return real(**options)
child.warm_up = spy
sys.argv = ["autograder", *sys.argv[1:]]
try:
    runpy.run_module("autograder", run_name="__main__", alter_sys=True)
except SystemExit as e:
    status = e.code
print(json.dumps({"status": status, "warm_ups": calls, "modules": sorted(sys.modules)}))
"""


def imported(names, modules):
    """Those of ``names`` that are in ``modules``, as themselves or as a package of one."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


def modules_after(code):
    done = subprocess.run([sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{code!r} failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.splitlines()[-1])


def spied_main(*argv):
    done = subprocess.run([sys.executable, "-c", SPIED_MAIN, *map(str, argv)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"the spied `python -m autograder {' '.join(map(str, argv))}` failed:\n" \
                                 f"{done.stderr[-3000:]}"
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_verb_and_no_grading():
    loaded = imported(NOT_FOR_THE_CLI, modules_after("import autograder.cli"))
    assert loaded == [], f"`import autograder.cli` imported {loaded}: a verb should import them when it runs"


def test_the_sandbox_starts_without_numpy_and_exports_everything_on_first_use():
    modules = modules_after("from autograder.sandbox import Limits, SandboxError, warm_up")
    assert "numpy" not in modules, "the fork server's warm-up should not wait for `import numpy` in the grader"
    modules = modules_after("from autograder.sandbox import *\n"
                            "import autograder.sandbox as s\n"
                            "assert all(callable(globals()[n]) or n == 'UID_BASE' for n in s.__all__), s.__all__\n"
                            "assert set(s.__all__) <= set(dir(s)), dir(s)")
    assert "autograder.sandbox.results" in modules, "`import *` gives read_results, from its module"


def test_the_renderers_import_rich_only_for_a_table():
    modules = modules_after("import autograder.load\n"
                            "from autograder.render import render_feedback, write_results_json")
    assert imported(["rich", "autograder.render.terminal"], modules) == [], \
        "loading a submission and writing the files must not import rich: only the terminal's table needs it"
    modules = modules_after("from autograder.render import render_terminal")
    assert "rich" in modules, "the terminal's table is rich's"


@pytest.mark.parametrize("argv", [["--help"], ["grade", "--help"], ["handout", "--out", "{tmp}"]],
                         ids=["--help", "grade --help", "handout"])
def test_a_command_that_grades_nothing_starts_no_fork_server(argv, tmp_path):
    argv = [arg.format(tmp=tmp_path / "handout") for arg in argv]
    result = spied_main(*argv)
    assert result["status"] == 0, f"`{' '.join(argv)}` should exit 0: {result['status']}"
    assert result["warm_ups"] == [], f"`{' '.join(argv)}` should not start the fork server: {result['warm_ups']}"
    unexpected = imported(["numpy", "rich", "autograder.grade", "autograder.batch", "autograder.gradescope"],
                          result["modules"])
    assert unexpected == [], f"`{' '.join(argv)}` should not import what grading needs: {unexpected}"


def test_grading_starts_the_fork_server_once_before_importing_the_grader(tmp_path):
    stubs = tmp_path / "hw1_student"
    shutil.copytree(HANDOUT_DIR, stubs, ignore=shutil.ignore_patterns("__pycache__"))   # no child runs
    result = spied_main("grade", stubs)
    assert result["status"] == 0, f"the stubs are graded: exit {result['status']}"
    assert result["warm_ups"] == [[]], \
        f"one warm-up, before `import numpy` and the CLI's imports (what each call found imported): " \
        f"{result['warm_ups']}"
    others = imported(["autograder.batch", "autograder.gradescope", "autograder.demo"], result["modules"])
    assert others == [], f"`grade` should not import the other verbs' modules: {others}"
    assert "rich" in result["modules"], "`grade` prints its table with rich"


def test_grading_a_class_starts_the_fork_server_first_too(tmp_path):
    (tmp_path / "class").mkdir()
    result = spied_main("grade-all", tmp_path / "class", "--out", tmp_path / "out")
    assert result["status"] == 0, f"an empty class is graded: exit {result['status']}"
    assert result["warm_ups"] == [[]], f"one warm-up, before `import numpy` and the CLI: {result['warm_ups']}"
