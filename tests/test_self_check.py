"""``python make_submission.py --check`` (self_check.py): the local checks name the mistakes a student would
otherwise learn of from the TA, on the student's own code, and never stop on it."""

import sys

import pytest

import loop_check
import make_submission
import self_check
from regions import read_source

from autograder.rubric import SECTIONS, VECTORISED
from tests import kits


def package_with(tmp_path, monkeypatch, changes=()):
    """The reference's regions with ``changes`` ((region, old, new), ...) in ``tmp_path/hw1_student``;
    the cwd is ``tmp_path``."""
    texts = kits.reference_regions()
    for rid, old, new in changes:
        assert old in texts[rid], f"{rid} no longer contains {old!r}: update this test"
        texts[rid] = texts[rid].replace(old, new)
    kits.write_package(tmp_path, texts)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "hw1_student"


def check(capsys, *args):
    """``make_submission.py --check``: (exit code, {check name: (status, detail)}, stdout lines, stderr lines)."""
    code = make_submission.main(["--check", *args])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    found = {}
    for line in lines[:-1]:
        for status in (self_check.FAILED, self_check.NOTE, self_check.OK, self_check.TODO):
            name, sep, detail = line.partition(f": {status}")
            if sep:
                found[name] = (status, detail.removeprefix(": ").strip())
                break
    return code, found, lines, err.splitlines()


def test_the_reference_passes_every_check_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    package_with(tmp_path, monkeypatch)
    code, found, lines, err = check(capsys)
    assert code == 0 and err == [], f"exit {code}, stderr {err}"
    assert found and all(status == self_check.OK for status, _ in found.values()), f"not all OK:\n" + "\n".join(lines)
    assert len(found) == len(lines) - 1, f"one line per check, then the count:\n" + "\n".join(lines)
    assert lines[-1] == f"self-check: {len(found)} OK; nothing written", f"last line {lines[-1]!r}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw1_student"], "--check must write nothing"


def test_the_stubs_are_not_implemented_yet_and_never_fail(tmp_path, monkeypatch, capsys):
    kits.write_package(tmp_path, {})
    monkeypatch.chdir(tmp_path)
    code, found, lines, err = check(capsys)
    assert code == 0, f"nothing failed on the stubs: exit {code}\n" + "\n".join(lines)
    statuses = {name: status for name, (status, _) in found.items()}
    assert statuses.pop("helpers written outside the regions") == self_check.OK, f"{found}"
    assert set(statuses.values()) == {self_check.TODO}, f"every other check waits for its region:\n" + "\n".join(lines)
    assert all("(" in found[name][1] and ":" in found[name][1] for name in statuses), \
        f"a 'not implemented yet' line names its region:\n" + "\n".join(lines)
    assert err == [], f"with --check the unfilled regions are the stdout lines, not warnings: {err}"


# The planted mistakes, each with the check that must name it, its status and words of its reason.
PLANTED = {
    "ReLU with Z >= 0": ([("activations:ReLU.backward", "(Z > 0)", "(Z >= 0)")],
                         "ReLU backward: shape, dtype, dY untouched; at z = 0 (a note)", self_check.NOTE,
                         "0 is the usual convention"),
    "SoftMax without the max shift": ([("activations:SoftMax.forward", "np.exp(Z - Z.max(axis=-1, keepdims=True))",
                                        "np.exp(Z)")],
                                      "SoftMax forward at logits of ±1000", self_check.FAILED, "max shift"),
    "CrossEntropy summed, forward": ([("losses:CrossEntropyLoss.forward", "/ logits.shape[0]", ""),
                                      ("losses:CrossEntropyLoss.backward", "(probs - Y) / Y.shape[0]", "(probs - Y)")],
                                     "CrossEntropy forward, by hand", self_check.FAILED,
                                     "is the sum over the 2 samples"),
    "CrossEntropy summed, backward": ([("losses:CrossEntropyLoss.forward", "/ logits.shape[0]", ""),
                                       ("losses:CrossEntropyLoss.backward", "(probs - Y) / Y.shape[0]", "(probs - Y)")],
                                      "CrossEntropy backward: shape, dtype, a mean over the batch; at logits of ±1000 "
                                      "(a note)", self_check.FAILED, "did not halve"),
    "a for loop over samples in FullyConnected.forward": (
        [("fully_connected:FullyConnected.forward", "Z = X @ W + b", "Z = np.zeros((X.shape[0], W.shape[1]))\n"
          "        for i in range(X.shape[0]):\n            Z[i] = X[i] @ W + b[0]")],
        "FullyConnected vectorised: no Python loops", self_check.FAILED,
        "a for loop in fully_connected:FullyConnected.forward (hw1_student/fully_connected.py:"),
    "db not summed over the batch": ([("fully_connected:FullyConnected.backward", "dZ.sum(axis=0, keepdims=True)",
                                       "dZ")],
                                     "FullyConnected backward: dX, dW, db shapes, dtypes, dY untouched",
                                     self_check.FAILED, "db has shape (5, 3), b has (1, 3)"),
    "a float32 gradient": ([("activations:ReLU.backward", "dZ = dY * (Z > 0)",
                             "dZ = (dY * (Z > 0)).astype(np.float32)")],
                           "ReLU backward: shape, dtype, dY untouched; at z = 0 (a note)", self_check.FAILED,
                           "float32, not float64"),
    "dY changed in place": ([("activations:ReLU.backward", "dZ = dY * (Z > 0)", "dY *= (Z > 0)\n        dZ = dY")],
                            "ReLU backward: shape, dtype, dY untouched; at z = 0 (a note)", self_check.FAILED,
                            "changed dY in place"),
}


@pytest.mark.parametrize("mistake", sorted(PLANTED))
def test_each_planted_mistake_is_named(tmp_path, monkeypatch, capsys, mistake):
    changes, name, status, words = PLANTED[mistake]
    package_with(tmp_path, monkeypatch, changes)
    code, found, lines, _ = check(capsys)
    assert name in found, f"{mistake}: no line for {name!r}:\n" + "\n".join(lines)
    assert found[name][0] == status and words in found[name][1], \
        f"{mistake}: {name!r} says {found[name]}, want {status} with {words!r}"
    assert code == (1 if status == self_check.FAILED else 0), f"{mistake}: exit {code}"
    others = [n for n, (s, _) in found.items() if s != self_check.OK and n != name and "CrossEntropy" not in n
              and "model" not in n]
    assert others == [], f"{mistake}: other checks went wrong too: {others}"


def test_a_loop_is_found_line_for_line_as_the_grader_finds_it(tmp_path, monkeypatch, capsys):
    assert self_check.find_loop is loop_check.find_loop, "self_check must run the grader's loop check, not a copy"
    changes, name, _, _ = PLANTED["a for loop over samples in FullyConnected.forward"]
    package = package_with(tmp_path, monkeypatch, changes)
    _, found, _, _ = check(capsys)
    line = next(n for n, text in enumerate(read_source(package / "fully_connected.py").splitlines(), start=1)
                if text.strip().startswith("for i in range"))
    assert f"fully_connected.py:{line})" in found[name][1], f"the loop is at line {line}: {found[name]}"


def test_the_vectorised_regions_are_the_rubrics():
    graded = {s.name: s.regions for s in SECTIONS if s.points and any(c.kind == VECTORISED for c in s.checks)}
    assert set(self_check.VECTORISED) == set(graded), f"self_check reads {set(self_check.VECTORISED)} for loops, " \
                                                      f"the rubric {set(graded)}"
    for section, regions in graded.items():
        assert all(r.startswith(self_check.VECTORISED[section]) for r in regions), \
            f"{section}: {self_check.VECTORISED[section]!r} does not match the rubric's regions {regions}"


def test_whatever_a_region_raises_is_one_line_and_the_checks_go_on(tmp_path, monkeypatch, capsys):
    package_with(tmp_path, monkeypatch, [("activations:SoftMax.forward", "E = np.exp(", "E = np.exp(None) + np.exp("),
                                         ("activations:ReLU.backward", "dZ = dY * (Z > 0)", "raise SystemExit(3)")])
    code, found, lines, _ = check(capsys)
    status, detail = found["SoftMax forward, by hand"]
    assert status == self_check.FAILED and detail.startswith("TypeError") and "(at activations.py:" in detail, \
        f"SoftMax: {found['SoftMax forward, by hand']}"
    assert found["ReLU backward: shape, dtype, dY untouched; at z = 0 (a note)"][0] == self_check.FAILED, \
        f"a region's sys.exit is a failed check, not the end of make_submission:\n" + "\n".join(lines)
    assert found["model forward and backward: shapes and dtypes"][0] == self_check.FAILED, f"{found}"
    assert code == 1 and lines[-1].startswith("self-check:"), \
        f"exit {code}; the run went to the end:\n" + "\n".join(lines)


def test_a_package_that_does_not_import_still_gets_the_static_checks(tmp_path, monkeypatch, capsys):
    package = package_with(tmp_path, monkeypatch)
    path = package / "losses.py"
    path.write_text(read_source(path).replace("import numpy as np\n", "import numpy as np\nimport no_such_module\n", 1),
                    encoding="utf-8")
    code, found, lines, _ = check(capsys)
    assert found["import hw1_student"][0] == self_check.FAILED and "no_such_module" in found["import hw1_student"][1], \
        f"the import's failure is one line:\n" + "\n".join(lines)
    assert found["ReLU vectorised: no Python loops"][0] == self_check.OK, f"the loop check needs no import: {found}"
    assert code == 1, f"exit {code}"


def test_the_students_hw1_student_module_is_left_alone(tmp_path, monkeypatch, capsys):
    package_with(tmp_path, monkeypatch)
    before = {k: v for k, v in sys.modules.items() if k.split(".")[0] in ("hw1_student", "_checked_hw1_student")}
    check(capsys)
    after = {k: v for k, v in sys.modules.items() if k.split(".")[0] in ("hw1_student", "_checked_hw1_student")}
    assert after == before, f"sys.modules changed: {sorted(set(after) ^ set(before))}"


# --- a region that calls a helper written outside the regions -----------------------------------------

def add_outside(package, module, anchor, helper, old, new):
    """Write ``helper`` before ``anchor`` in ``module`` (outside the regions), and call it from a region by
    replacing ``old`` with ``new``."""
    path = package / module
    source = read_source(path)
    assert anchor in source and old in source, f"{module} no longer holds {anchor!r} / {old!r}: update this test"
    path.write_text(source.replace(anchor, helper + anchor, 1).replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("helper, anchor, new", [
    ("def relu_mask(Z):\n    return Z > 0\n\n\n", "class ReLU(Activation):", "dZ = dY * relu_mask(Z)"),
    ("# my helper\ndef relu_mask(Z):\n    return Z > 0\n\n\n", "class ReLU(Activation):", "dZ = dY * relu_mask(Z)"),
    ("    def _mask(self, Z):\n        return Z > 0\n\n",
     "    def forward(self, Z):\n        \"\"\"Apply the rectified linear unit element-wise.",
     "dZ = dY * self._mask(Z)"),
], ids=["module function", "with a comment", "method"])
def test_a_helper_written_outside_the_regions_is_named(tmp_path, monkeypatch, capsys, helper, anchor, new):
    package = package_with(tmp_path, monkeypatch)
    add_outside(package, "activations.py", anchor, helper, "dZ = dY * (Z > 0)", new)
    code, found, lines, err = check(capsys)
    name = next((n for n in found if n.startswith("activations:ReLU.backward uses ")), None)
    assert name and found[name][0] == self_check.FAILED and "NameError" in found[name][1], \
        f"no FAILED line names the helper:\n" + "\n".join(lines)
    helper_line = next(n for n, text in enumerate(read_source(package / "activations.py").splitlines(), start=1)
                       if text.lstrip().startswith("def ") and ("relu_mask" in text or "_mask" in text))
    assert f"hw1_student/activations.py:{helper_line})" in found[name][1], f"the line of the helper: {found[name]}"
    assert code == 1 and any("changed outside the YOUR CODE regions" in e for e in err), f"exit {code}, {err}"


def test_an_edit_outside_the_regions_that_no_region_uses_is_not_a_helper(tmp_path, monkeypatch, capsys):
    package = package_with(tmp_path, monkeypatch)
    add_outside(package, "activations.py", "class ReLU(Activation):", "def unused(Z):\n    return Z\n\n\n",
                "(Z > 0)", "(Z > 0)")
    path = package / "losses.py"
    path.write_text(read_source(path).replace("Softmax cross-entropy", "My cross-entropy"), encoding="utf-8")
    code, found, lines, _ = check(capsys)
    assert found["helpers written outside the regions"] == (self_check.OK, ""), "\n".join(lines)
    assert code == 0, f"exit {code}"


# --- the same checks, as warnings of a plain make_submission.py ----------------------------------------

def test_a_plain_run_warns_with_the_failed_checks_and_still_writes(tmp_path, monkeypatch, capsys):
    changes, name, _, _ = PLANTED["CrossEntropy summed, forward"]
    package_with(tmp_path, monkeypatch, changes + PLANTED["ReLU with Z >= 0"][0])
    code = make_submission.main(["--name", "张三", "--id", "2024001"])
    out, err = capsys.readouterr()
    assert code == 0 and (tmp_path / "submission.md").is_file(), f"a failed check warns, it does not stop: {code}"
    assert any(e.startswith(f"make_submission: warning: {name}: FAILED: ") for e in err.splitlines()), err
    assert any(e.startswith("make_submission: note: ReLU backward") and "NOTE" in e for e in err.splitlines()), err
    assert err.splitlines()[-1] == "make_submission: note: python make_submission.py --check shows every check", err
