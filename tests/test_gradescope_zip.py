"""The Gradescope autograder zip: what it holds, and the zip unpacked into a temporary ``/autograder``
(``AUTOGRADER_ROOT``) and run with bash on submissions laid out as Gradescope lays them out."""

import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import types
import zipfile
from pathlib import Path

import pytest

from regions import Submission, render_submission

from autograder import cli
from autograder.gradescope import build_autograder_zip, run_gradescope
from autograder.gradescope.build import RUNTIME_DEPENDENCIES, SCRIPTS
from autograder.messages import msg, text
from autograder.paths import HANDOUT_DIR, REFERENCE_DIR, REPO_ROOT
from autograder.rubric import SECTIONS
from autograder.sandbox import SandboxError
from tests import kits
from tests.gradescope_schema import problems

TOP_LEVEL = {"setup.sh", "run_autograder", "requirements.txt", "regions.py", "loop_check.py", "autograder", "settings.json"}
TEST_NAMES = [f"{s.name}: {c.name}" for s in SECTIONS for c in s.checks]
MAX_SCORE = sum(s.points for s in SECTIONS)
HOW_TO_SUBMIT = text(msg("gradescope:how_to_submit", package="hw1_student"))
GRADER_FAILED = text(msg("gradescope:grader_failed"))


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "autograder.zip"
    return path, build_autograder_zip(path)


@pytest.fixture(scope="module")
def unpacked(autograder_zip, tmp_path_factory):
    """The zip extracted as unzip does it, permission bits included."""
    dest = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(autograder_zip[0]) as archive:
        for info in archive.infolist():
            Path(archive.extract(info, dest)).chmod(info.external_attr >> 16 & 0o777)
    return dest


def make_root(tmp_path, unpacked):
    """A stand-in for /autograder: source/ (the unpacked zip) and an empty submission/."""
    root = tmp_path / "root"
    shutil.copytree(unpacked, root / "source")
    (root / "source").chmod(0o755)                # as unzip makes it; copytree copied tmp_path's 0700
    (root / "submission").mkdir()
    return root


def run_autograder(root, python=sys.executable):
    """``bash run_autograder`` as Gradescope runs it, on ``root``, with ``python``; (process, results)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(AUTOGRADER_ROOT=str(root), PYTHON=str(python), COLUMNS="200")
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    path = root / "results" / "results.json"
    assert path.is_file(), f"run_autograder wrote no results.json (exit {done.returncode}):\n{done.stderr[-3000:]}"
    results = json.loads(path.read_text(encoding="utf-8"))
    assert problems(results) == [], f"results.json breaks Gradescope's schema: {problems(results)}"
    return done, results


# --- the zip ----------------------------------------------------------------------------------------

def test_zip_holds_the_scripts_the_grader_and_the_reference(autograder_zip):
    path, members = autograder_zip
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert names == members, "build_autograder_zip returns the members in zip order"
    assert {n.split("/")[0] for n in names} == TOP_LEVEL, f"top level of the zip: {sorted({n.split('/')[0] for n in names})}"
    reference = [f"autograder/reference/{p.relative_to(REFERENCE_DIR).as_posix()}"
                 for p in REFERENCE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    missing = [n for n in reference + ["autograder/reference/data/iris.csv", "autograder/grade.py",
                                       "autograder/sandbox/jail.py", "autograder/probes.py"] if n not in names]
    assert missing == [], f"the grader needs these in the zip: {missing}"
    junk = [n for n in names if "__pycache__" in n or n.endswith(".pyc") or any(p.startswith(".") for p in n.split("/"))]
    assert junk == [], f"no caches or hidden files in the zip: {junk}"


def test_zip_members_are_the_repository_files(autograder_zip):
    path, members = autograder_zip
    with zipfile.ZipFile(path) as archive:
        differ = [n for n in members if n.split("/")[0] in ("autograder", "regions.py", "loop_check.py")
                  and archive.read(n) != (REPO_ROOT / n).read_bytes()]
        scripts = {n: archive.read(n) for n in SCRIPTS}
    assert differ == [], f"zip members differ from the working tree: {differ}"
    for name, data in scripts.items():
        assert data == (REPO_ROOT / "autograder" / "gradescope" / name).read_bytes(), f"{name} is the package's file"


def test_scripts_are_executable_and_the_rest_is_not(autograder_zip):
    with zipfile.ZipFile(autograder_zip[0]) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for name in SCRIPTS:
        assert stat.S_ISREG(modes[name]) and modes[name] & 0o111 == 0o111, f"{name} mode {oct(modes[name])}"
    executable = [n for n, m in modes.items() if m & 0o111 and n not in SCRIPTS]
    assert executable == [], f"only the two scripts are executable: {executable}"


def test_the_same_tree_gives_the_same_bytes(autograder_zip, tmp_path):
    again = tmp_path / "again.zip"
    build_autograder_zip(again)
    assert again.read_bytes() == autograder_zip[0].read_bytes(), "two builds of the same tree differ"
    with zipfile.ZipFile(again) as archive:
        times = {info.date_time for info in archive.infolist()}
    assert times == {(1980, 1, 1, 0, 0, 0)}, f"every member carries the fixed time: {times}"


def test_requirements_pin_the_versions_installed_here(unpacked):
    lines = (unpacked / "requirements.txt").read_text(encoding="utf-8").splitlines()
    expected = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME_DEPENDENCIES]
    assert lines == expected, f"requirements.txt {lines}, expected the installed versions {expected}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_are_valid_bash(unpacked, script):
    done = subprocess.run(["bash", "-n", str(unpacked / script)], capture_output=True, text=True)
    assert done.returncode == 0, f"bash -n {script}: {done.stderr}"


def test_setup_installs_the_pinned_requirements_into_the_venv_run_autograder_uses(unpacked):
    setup = (unpacked / "setup.sh").read_text(encoding="utf-8")
    run = (unpacked / "run_autograder").read_text(encoding="utf-8")
    install = re.search(r'"\$VENV/bin/python" -m pip install --no-cache-dir .*-r "\$ROOT/source/requirements.txt"', setup)
    assert install, f"setup.sh installs requirements.txt, pinned, without a cache:\n{setup}"
    assert 'VENV="$ROOT/venv"' in setup and 'PYTHON="${PYTHON:-$ROOT/venv/bin/python}"' in run, \
        "setup.sh's venv is the interpreter run_autograder uses"
    assert "sys.version_info < (3, 11)" in setup, "setup.sh makes sure of Python 3.11 or newer"
    compile_all = setup.find('"$VENV/bin/python" -m compileall -q "$ROOT/source"')
    assert compile_all > install.end(), "setup.sh compiles the grader into the image, after the install"


def test_the_grader_imports_nothing_beyond_the_requirements(unpacked, tmp_path):
    """Grade in the unpacked zip and list the distributions of what was imported from a file after
    start-up (not the modules NumPy's Cython extensions make in memory)."""
    root = make_root(tmp_path, unpacked)
    kits.write_package(root / "submission", kits.reference_regions())
    script = ("import json, sys; before = set(sys.modules)\n"
              "from autograder.cli import main; import autograder\n"
              "status = main(['gradescope-run', sys.argv[1]])\n"
              "new = {m.partition('.')[0] for m in set(sys.modules) - before\n"
              "       if getattr(sys.modules[m], '__file__', None)} - set(sys.stdlib_module_names)\n"
              "print(json.dumps([status, autograder.__file__, sorted(new)]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(root)], cwd=root / "source", capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, f"the check script failed:\n{done.stderr[-3000:]}"
    status, where, modules = json.loads(done.stdout.splitlines()[-1])
    assert status == 0 and Path(where).is_relative_to(root / "source"), f"graded with the zip's grader: {where}"
    owners = importlib.metadata.packages_distributions()
    ours = {"autograder"} | {p.stem for p in (root / "source").glob("*.py")}      # regions.py, loop_check.py, ...
    third_party = {m: owners.get(m) for m in modules if m not in ours}
    allowed = _requirement_closure(RUNTIME_DEPENDENCIES)
    outside = {m: d for m, d in third_party.items() if not d or not {_canonical(x) for x in d} <= allowed}
    assert outside == {}, f"imported while grading but not installed by requirements.txt ({sorted(allowed)}): {outside}"


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_closure(names):
    """The distributions pip installs for ``names``: them and their requirements, recursively."""
    seen, todo = set(), list(names)
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:      # a requirement for another Python: not here
            continue
        todo += [re.match(r"[A-Za-z0-9._-]+", r)[0] for r in requires if "extra ==" not in r]
    return seen


# --- run_autograder on submissions, as Gradescope lays them out --------------------------------------

def _package_at_top(submission):
    for path in kits.write_package(submission.parent / "made", kits.reference_regions()).iterdir():
        shutil.move(path, submission / path.name)


def _package_folder(submission):
    kits.write_package(submission, kits.reference_regions())


def _upload_folder(submission):
    kits.write_package(submission / "张三_2024001_hw1_student", kits.reference_regions())


def _submission_md(submission):
    (submission / "submission.md").write_text(
        render_submission(Submission("张三", "2024001", "2026-11-24", kits.reference_regions())), encoding="utf-8")


@pytest.mark.parametrize("layout", [_package_at_top, _package_folder, _upload_folder, _submission_md],
                         ids=["package files at the top", "hw1_student/", "upload folder", "submission.md"])
def test_reference_scores_full_marks_in_every_layout(unpacked, tmp_path, layout):
    root = make_root(tmp_path, unpacked)
    layout(root / "submission")
    done, results = run_autograder(root)
    failed = [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    assert results["score"] == MAX_SCORE and failed == [], f"reference: {results['score']}; {failed}"
    assert [t["name"] for t in results["tests"]] == TEST_NAMES, "one test per check of the rubric, in order"
    assert f"Total: {MAX_SCORE:.2f} / {MAX_SCORE:g}" in done.stdout, f"the table goes to stdout (the staff's view):\n{done.stdout}"


def test_fresh_stubs_score_zero_with_every_test_present(unpacked, tmp_path):
    root = make_root(tmp_path, unpacked)
    shutil.copytree(HANDOUT_DIR, root / "submission" / "hw1_student")
    done, results = run_autograder(root)
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    assert results["score"] == 0 and [t["name"] for t in results["tests"]] == TEST_NAMES, \
        f"stubs: score {results['score']}, tests {[t['name'] for t in results['tests']]}"
    assert sum(t["max_score"] for t in results["tests"]) == MAX_SCORE, "the tests carry the rubric's points"
    assert all(t["status"] == "failed" and "not implemented" in t["output"] for t in results["tests"]), \
        f"every test says not implemented: {[t['output'] for t in results['tests']]}"


@pytest.mark.parametrize("content, reason", [({}, "is an empty folder"),
                                             ({"notes.txt": "I did my best"}, "holds no hw1_student package")],
                         ids=["empty", "no package"])
def test_nothing_gradable_still_gives_a_results_file_with_the_reason(unpacked, tmp_path, content, reason):
    root = make_root(tmp_path, unpacked)
    for name, written in content.items():
        (root / "submission" / name).write_text(written, encoding="utf-8")
    done, results = run_autograder(root)
    assert done.returncode == 0, f"the student's problem is not the grader's failure: exit {done.returncode}"
    assert results["score"] == 0, f"nothing graded, nothing earned: {results['score']}"
    assert reason in results["output"] and HOW_TO_SUBMIT in results["output"], f"output: {results['output']!r}"
    assert "\n" not in results["output"], f"the reason is one line: {results['output']!r}"
    assert [t["name"] for t in results["tests"]] == TEST_NAMES and \
        sum(t["max_score"] for t in results["tests"]) == MAX_SCORE, "Gradescope still learns every test and the maximum"
    assert "Traceback" not in done.stdout + done.stderr, f"no traceback:\n{done.stderr}"


def test_run_autograder_hides_the_source_from_other_users(unpacked, tmp_path):
    root = make_root(tmp_path, unpacked)
    _package_folder(root / "submission")
    run_autograder(root)
    readable = [str(p.relative_to(root)) for p in [root / "source", *(root / "source").rglob("*")]
                if p.lstat().st_mode & 0o077]
    assert readable == [], f"the graded code's uid could read or write these: {readable[:5]}"
    assert (root / "results").stat().st_mode & 0o022 == 0, "only the grader may write the results"


def _reachable_by_others(path):
    """Whether another uid can run ``path``: every folder on its real path is o+x, the file o+rx."""
    path = Path(os.path.realpath(path))
    return path.stat().st_mode & 0o005 == 0o005 and all(p.stat().st_mode & 0o001 for p in path.parents)


FAKE_PYTHON = """#!{python}
# PYTHON for run_autograder as in Gradescope's container: root, and namespaces refused.
import os, runpy, sys
sys.path.insert(0, os.getcwd())
import autograder.sandbox.child as child

child.isolation_mode = lambda: "none"
sys.argv = ["autograder", *sys.argv[3:]]            # after "-m autograder"
runpy.run_module("autograder", run_name="__main__", alter_sys=True)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope grades as root")
@pytest.mark.skipif(not _reachable_by_others(sys.executable),
                    reason=f"{os.path.realpath(sys.executable)} cannot be run by another uid here, as the "
                           f"reduced sandbox's student uid must (Gradescope's venv is world-readable)")
def test_without_namespaces_as_root_the_graded_code_cannot_read_the_reference(unpacked, tmp_path):
    """Gradescope's case: the reduced sandbox, as root. ReLU.forward tries to read the reference's
    activations.py and raises with what it read; everything else is the reference. The root is in a
    folder other users may enter, as /autograder is (pytest's tmp_path is not)."""
    with tempfile.TemporaryDirectory(prefix="nnhw-gradescope-") as base:
        os.chmod(base, 0o755)
        _check_reference_unreadable(make_root(Path(base), unpacked), tmp_path)


def _check_reference_unreadable(root, tmp_path):
    target = root / "source" / "autograder" / "reference" / "activations.py"
    texts = kits.reference_regions()
    texts["activations:ReLU.forward"] = (
        f"        try:\n"
        f"            text = open({str(target)!r}).read()\n"
        f"        except OSError as e:\n"
        f"            raise RuntimeError('unreadable: ' + str(e.strerror))\n"
        f"        raise RuntimeError('leaked: ' + text[text.index('np.maximum'):][:30])\n")
    kits.write_package(root / "submission", texts)
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    done, results = run_autograder(root, python=fake)
    relu = [t for t in results["tests"] if t["name"].startswith("ReLU: ")]
    others = [t for t in results["tests"] if t not in relu and t["status"] != "passed"]
    assert done.returncode == 0 and others == [], \
        f"reduced sandbox as root: exit {done.returncode}, {others}: {results['output']}\n{done.stderr[-3000:]}"
    outputs = json.dumps(relu)
    assert "leaked" not in outputs and "unreadable: Permission denied" in outputs, \
        f"the student's uid must get EACCES on the reference: {outputs}"


# --- run_gradescope when the grader itself fails, and the command line --------------------------------

@pytest.mark.parametrize("failure", [RuntimeError("a bug in the grader"), SandboxError("no sandbox")],
                         ids=["bug", "sandbox"])
def test_a_failing_grader_still_writes_a_results_file_and_exits_1(tmp_path, monkeypatch, capsys, failure):
    def grade(path, **options):
        raise failure
    monkeypatch.setitem(sys.modules, "autograder.grade", types.SimpleNamespace(grade=grade))
    (tmp_path / "submission").mkdir()
    assert run_gradescope(tmp_path) == 1, "the grader's failure is exit 1"
    results = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert problems(results) == [] and results["score"] == 0, f"a valid results.json: {problems(results)}"
    assert results["output"] == GRADER_FAILED, f"the student is told it is not their code: {results['output']!r}"
    captured = capsys.readouterr()
    assert str(failure) in captured.err and "Traceback" in captured.err, "the staff get the traceback"
    assert os.listdir(tmp_path / "results") == ["results.json"], "written atomically: no temporary file left"


def test_cli_builds_the_zip_and_says_so(tmp_path, capsys):
    out = tmp_path / "autograder.zip"
    assert cli.main(["gradescope", "--out", str(out)]) == 0, "built: exit 0"
    with zipfile.ZipFile(out) as archive:
        count = len(archive.namelist())
    printed = capsys.readouterr().out
    assert printed == f"wrote {out} ({count} files, {out.stat().st_size / 1024:.0f} KiB)\n", printed


def test_cli_reports_an_unwritable_out_in_one_line(tmp_path, capsys):
    out = tmp_path / "no such folder" / "autograder.zip"
    assert cli.main(["gradescope", "--out", str(out)]) == 2, "cannot write: exit 2"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(out) in err and "Traceback" not in err, f"one line naming the file: {err!r}"


def test_a_zip_built_for_chinese_gives_students_chinese_results(tmp_path):
    zip_path = tmp_path / "autograder.zip"
    build_autograder_zip(zip_path, lang="zh")
    root = tmp_path / "root"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    assert run_gradescope(root, timeout=3) == 0, "nothing gradable is not the grader's failure"
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert "没有可以评分的内容" in results["output"], f"the reason is in Chinese: {results['output']!r}"
    assert all(t["output"] == "未评分：请看测试上方的说明" for t in results["tests"]), "each test says so in Chinese"


@pytest.mark.parametrize("visibility", ["after_due_date", "after_published", "hidden"])
def test_a_zip_built_with_a_visibility_shows_the_tests_when_it_says(tmp_path, capsys, visibility):
    zip_path = tmp_path / "autograder.zip"
    assert cli.main(["gradescope", "--out", str(zip_path), "--visibility", visibility]) == 0, "built: exit 0"
    root = tmp_path / "root"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    kits.write_package(root / "submission", {})                  # the stubs: graded without a child
    assert run_gradescope(root, timeout=3) == 0, "graded: exit 0"
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert problems(results) == [], f"Gradescope's schema: {problems(results)}"
    seen = {results["visibility"], *(t["visibility"] for t in results["tests"])}
    assert seen == {visibility}, f"the top level and every test are {visibility!r}: {seen}"


def test_a_zip_built_without_a_visibility_shows_everything_at_once(unpacked, tmp_path):
    root = make_root(tmp_path, unpacked)
    kits.write_package(root / "submission", {})
    run_gradescope(root, timeout=3)
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert {results["visibility"], *(t["visibility"] for t in results["tests"])} == {"visible"}, "visible by default"
    assert json.loads((unpacked / "settings.json").read_text()) == {"lang": "en", "visibility": "visible"}, \
        "settings.json records the TA's choices"


def test_the_command_line_offers_gradescopes_visibilities():
    from autograder.render.gradescope import VISIBILITIES
    from tests.gradescope_schema import VISIBILITIES as SCHEMA
    assert set(cli.VISIBILITIES) == set(VISIBILITIES) == set(SCHEMA), \
        f"the CLI's choices {cli.VISIBILITIES} are the renderer's {VISIBILITIES} and Gradescope's {SCHEMA}"
