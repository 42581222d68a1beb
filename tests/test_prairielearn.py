"""PrairieLearn's external grader: what `python -m autograder prairielearn` writes, and its entrypoint run
with bash on a scratch ``/grade`` (``GRADE_ROOT``) laid out as PrairieLearn lays it out
(https://prairielearn.readthedocs.io/en/latest/externalGrading/): the course's serverFilesCourse/nnhw/,
the student's files in student/, the question's data in data/data.json. There is no Docker here: the
Dockerfile is read, not built."""

import importlib.metadata
import json
import math
import os
import shutil
import subprocess
import sys
import types

import pytest

from autograder import cli
from autograder.gradescope.build import RUNTIME_DEPENDENCIES
from autograder.paths import REPO_ROOT
from autograder.prairielearn import build_prairielearn, run_prairielearn
from autograder.prairielearn.build import BASE_IMAGE, FOLDER
from autograder.rubric import SECTIONS
from tests import kits

EXAMPLES = sorted((REPO_ROOT / "examples").iterdir())
TEST_NAMES = [f"{s.name}: {c.name}" for s in SECTIONS for c in s.checks]


def problems(results):
    """What PrairieLearn would not accept or would misread in a results.json ([] when it is fine)."""
    found = []
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)   # noqa: E731
    if not isinstance(results.get("gradable", True), bool) or not isinstance(results.get("succeeded", True), bool):
        found.append("gradable and succeeded are booleans")
    if results.get("gradable", True) and not (number(results.get("score")) and 0 <= results["score"] <= 1):
        found.append(f"a gradable result needs a score in [0, 1]: {results.get('score')!r}")
    if not isinstance(results.get("message", ""), str) or not isinstance(results.get("format_errors", []), (str, list)):
        found.append("message is a string, format_errors a string or a list")
    for i, test in enumerate(results.get("tests", [])):
        if not (isinstance(test.get("name"), str) and number(test.get("points")) and number(test.get("max_points"))
                and 0 <= test["points"] <= test["max_points"] + 1e-9):
            found.append(f"tests[{i}] needs a name and 0 <= points <= max_points: {test}")
        found += [f"tests[{i}].{k} is not a string" for k in ("message", "output") if not isinstance(test.get(k, ""), str)]
    if len(json.dumps(results).encode()) > 2**20:
        found.append("results.json is over PrairieLearn's 1 MB")
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("course")
    return out, build_prairielearn(out)


def make_grade_root(tmp_path, built):
    """A stand-in for /grade: serverFilesCourse/nnhw (as PrairieLearn copies it), an empty student/, and
    data/data.json."""
    root = tmp_path / "grade"
    shutil.copytree(built[0] / "serverFilesCourse", root / "serverFilesCourse")
    (root / "student").mkdir()
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps({"params": {}, "submitted_answers": {}}), encoding="utf-8")
    return root


def run_entrypoint(root, python=sys.executable, timeout=3.0):
    """The entrypoint as PrairieLearn runs it (bash, cwd /grade), on ``root``, each section's run allowed
    ``timeout`` seconds; (process, results)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(GRADE_ROOT=str(root), PYTHON=str(python), COLUMNS="200")
    done = subprocess.run(["bash", str(root / "serverFilesCourse" / FOLDER / "run.sh"), "--timeout", str(timeout)], env=env,
                          cwd=root, capture_output=True, text=True, timeout=300)
    path = root / "results" / "results.json"
    assert path.is_file(), f"the entrypoint wrote no results.json (exit {done.returncode}):\n{done.stdout[-3000:]}"
    results = json.loads(path.read_text(encoding="utf-8"))
    assert problems(results) == [], f"results.json breaks PrairieLearn's format: {problems(results)}"
    return done, results


# --- what the command writes ------------------------------------------------------------------------

def test_the_files_a_course_adds(built):
    out, files = built
    assert {"Dockerfile", "requirements.txt", "info.json", f"serverFilesCourse/{FOLDER}/run.sh",
            f"serverFilesCourse/{FOLDER}/regions.py", f"serverFilesCourse/{FOLDER}/autograder/grade.py",
            f"serverFilesCourse/{FOLDER}/autograder/reference/activations.py"} <= set(files), f"files: {files[:8]}…"
    differ = [f for f in files if f.startswith(f"serverFilesCourse/{FOLDER}/autograder/")
              and (out / f).read_bytes() != (REPO_ROOT / f.split("/", 2)[2]).read_bytes()]
    assert differ == [], f"the grader's files are the repository's: {differ}"
    assert os.access(out / "serverFilesCourse" / FOLDER / "run.sh", os.X_OK), "the entrypoint is executable"
    done = subprocess.run(["bash", "-n", str(out / "serverFilesCourse" / FOLDER / "run.sh")], capture_output=True, text=True)
    assert done.returncode == 0, f"bash -n run.sh: {done.stderr}"


def test_the_image_is_a_public_python_with_the_pinned_requirements_and_no_secret(built):
    out, _ = built
    dockerfile = (out / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in dockerfile.splitlines() if ln and not ln.startswith("#")]
    assert lines[0] == f"FROM {BASE_IMAGE}" and BASE_IMAGE == "python:3.11-slim", f"built FROM python:3.11-slim:\n{dockerfile}"
    assert "-r /tmp/requirements.txt" in dockerfile, f"the image installs requirements.txt:\n{dockerfile}"
    pins = (out / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert pins == [f"{n}=={importlib.metadata.version(n)}" for n in RUNTIME_DEPENDENCIES], f"pinned as here: {pins}"
    copied = [ln for ln in lines if ln.startswith(("COPY", "ADD"))]
    assert copied == ["COPY requirements.txt /tmp/requirements.txt"], \
        f"PrairieLearn's images are public: nothing but the requirements goes in: {copied}"


def test_info_json_points_prairielearn_at_the_image_and_the_entrypoint(built):
    out, _ = built
    options = json.loads((out / "info.json").read_text(encoding="utf-8"))["externalGradingOptions"]
    assert options["enabled"] is True and options["serverFilesCourse"] == [f"{FOLDER}/"], options
    assert options["entrypoint"] == f"/grade/serverFilesCourse/{FOLDER}/run.sh", f"the entrypoint: {options}"
    assert 0 < options["timeout"] <= 600, f"within PrairieLearn's 600 s: {options['timeout']}"


def test_the_command_line_writes_them_and_says_so(tmp_path, capsys):
    assert cli.main(["prairielearn", "--out", str(tmp_path / "pl"), "--lang", "zh"]) == 0, "exit 0"
    assert "wrote" in capsys.readouterr().out, "it says what it wrote"
    settings = json.loads((tmp_path / "pl" / "serverFilesCourse" / FOLDER / "settings.json").read_text())
    assert settings["lang"] == "zh", f"the language the course chose: {settings}"
    (tmp_path / "blocker").write_text("a file", encoding="utf-8")
    assert cli.main(["prairielearn", "--out", str(tmp_path / "blocker" / "pl")]) == 2, "cannot write: exit 2"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err, f"one line: {err!r}"


# --- the entrypoint on a scratch /grade ---------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_bundled_examples_score_as_grade_scores_them(built, tmp_path, example):
    import autograder.grade
    root = make_grade_root(tmp_path, built)
    shutil.copy(example / "submission.md", root / "student" / "submission.md")      # a pl-file-upload of it
    # A short timeout: one example's SoftMax never returns, and both gradings wait for it.
    done, results = run_entrypoint(root, timeout=1.5)
    report = autograder.grade.grade(example, timeout=1.5)
    assert done.returncode == 0 and results["gradable"] and results["succeeded"], f"graded:\n{done.stdout[-2000:]}"
    assert results["score"] == pytest.approx(report.score / report.max_score), \
        f"{example.name}: PrairieLearn {results['score']}, grade {report.score}/{report.max_score}"
    assert [(t["name"], t["points"]) for t in results["tests"]] == [(c.title, c.points) for c in report.checks], \
        f"{example.name}: one test per check, with its points"


def test_package_files_uploaded_one_by_one_score_full_marks(built, tmp_path):
    root = make_grade_root(tmp_path, built)
    for path in kits.write_package(tmp_path / "made", kits.reference_regions()).iterdir():
        shutil.move(path, root / "student" / path.name)
    done, results = run_entrypoint(root)
    assert results["score"] == 1 and [t["name"] for t in results["tests"]] == TEST_NAMES, \
        f"the reference: {results['score']}; {[(t['name'], t['output']) for t in results['tests'] if t['points'] < t['max_points']]}"
    assert "Total: 10.00 / 10" in done.stdout, f"the table goes to the job's log:\n{done.stdout[-2000:]}"
    readable = [str(p.relative_to(root)) for p in [root / "serverFilesCourse" / FOLDER,
                                                   *(root / "serverFilesCourse" / FOLDER).rglob("*")]
                if p.lstat().st_mode & 0o077]
    assert readable == [], f"the graded code's uid could read the grader (and the reference): {readable[:5]}"


@pytest.mark.parametrize("content, reason", [({}, "is an empty folder"), ({"notes.txt": "hello"}, "holds no hw1_student")],
                         ids=["empty", "no package"])
def test_an_upload_with_nothing_to_grade_is_not_gradable_with_the_reason(built, tmp_path, content, reason):
    root = make_grade_root(tmp_path, built)
    for name, text in content.items():
        (root / "student" / name).write_text(text, encoding="utf-8")
    done, results = run_entrypoint(root)
    assert done.returncode == 0 and results["gradable"] is False and results["succeeded"] is True, \
        f"not the grader's failure, and no attempt used: {results}"
    assert any(reason in e for e in results["format_errors"]) and reason in results["message"], \
        f"the student reads why: {results['format_errors']}"
    assert "Traceback" not in done.stdout + done.stderr, f"no traceback:\n{done.stdout}"


def test_a_failing_grader_still_writes_results_that_say_so(tmp_path, monkeypatch, capsys):
    def grade(path, **options):
        raise RuntimeError("a bug in the grader")
    monkeypatch.setitem(sys.modules, "autograder.grade", types.SimpleNamespace(grade=grade))
    (tmp_path / "student").mkdir()
    assert run_prairielearn(tmp_path) == 1, "the grader's failure is exit 1"
    results = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["succeeded"] is False and results["gradable"] is False and problems(results) == [], \
        f"PrairieLearn learns the job failed, and the student keeps the attempt: {results}"
    assert "Traceback" in capsys.readouterr().err, "the staff get the traceback in the job's log"
