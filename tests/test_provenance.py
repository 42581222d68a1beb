"""Only code written in a region is graded: a region that builds or loads code scores nothing in its
section, says why, and is flagged for the TA; by its syntax in the parent, and as it runs in the child."""

import csv
import io
import marshal
import zlib
from pathlib import Path

import pytest
from rich.console import Console

from autograder import grade as grading
from autograder import report_io
from autograder.batch.entries import GRADED, Entry
from autograder.batch.gradebook import write_gradebook
from autograder.batch.result import Row
from autograder.messages import text
from autograder.paths import REFERENCE_DIR
from autograder.provenance import loaded_code
from autograder.render.feedback import render_feedback
from autograder.render.gradescope import results_json_text
from autograder.render.terminal import render_terminal
from autograder.rubric import SECTIONS
from tests import kits
from tests.styles import BUGS, STYLES

I = "        "               # the regions' indentation
RELU_F, RELU_B = "activations:ReLU.forward", "activations:ReLU.backward"
CE_F, CE_B = "losses:CrossEntropyLoss.forward", "losses:CrossEntropyLoss.backward"


def _lines(*lines):
    return "".join(f"{I}{line}\n" for line in lines)


def _reference_bytecode_hex(module):
    """The reference module compiled, marshalled, zlib'd and hex'd: what a crash's last line once leaked."""
    source = (REFERENCE_DIR / f"{module}.py").read_text(encoding="utf-8")
    return zlib.compress(marshal.dumps(compile(source, f"{module}.py", "exec"))).hex()


def _borrowed_ce():
    """CrossEntropy regions that run the reference's own bytecode, pasted in as a hex string."""
    load = _lines("import marshal, zlib",
                  f"code = marshal.loads(zlib.decompress(bytes.fromhex({_reference_bytecode_hex('losses')!r})))",
                  "ns = {'__name__': 'hw1_student.losses', '__package__': 'hw1_student'}",
                  "exec(code, ns)",
                  "ref = ns['CrossEntropyLoss']()")
    return {CE_F: load + _lines("loss = ref.forward(logits, Y)", "self.cache.update(ref.cache)", "return loss"),
            CE_B: load + _lines("ref.cache.update(self.cache)", "return ref.backward()")}


# Regions that build or load code as they run, each a correct ReLU forward that scores without the checks.
RUNTIME = {
    "exec of a string holding a loop": {
        RELU_F: _lines("ns = {'Z': Z, 'np': np}",
                       "exec('Y = np.array([[max(0.0, v) for v in row] for row in Z])', ns)", "return ns['Y']")},
    "eval": {RELU_F: _lines("return eval('np.maximum(0.0, Z)')"),
             RELU_B: _lines("return eval('dY * (Z > 0)')")},
    "types.FunctionType": {
        RELU_F: _lines("import types", "f = types.FunctionType((lambda Z: np.maximum(0.0, Z)).__code__, {'np': np})",
                       "return f(Z)")},
    "a module it wrote to its scratch folder": {
        RELU_F: _lines("source = 'import numpy as np\\ndef relu(Z):\\n    return np.maximum(0.0, Z)\\n'",
                       "open('relu_impl.py', 'w').write(source)", "import relu_impl", "return relu_impl.relu(Z)")},
    # The CrossEntropy section's package holds the reference SoftMax as bytecode (its SoftMax is called):
    # loaded by hand from the .pyc, it is code that the region did not write.
    "marshal.loads of a .pyc in its package folder": {
        CE_F: _lines("import marshal, os",
                     "data = open(os.path.join(os.path.dirname(__file__), 'activations.pyc'), 'rb').read()",
                     "ns = {'__name__': 'hw1_student.activations', '__package__': 'hw1_student'}",
                     "exec(marshal.loads(data[16:]), ns)",
                     "probs = ns['SoftMax']().forward(logits)",
                     "self.cache['probs'], self.cache['Y'] = probs, Y",
                     "return float(-np.sum(Y * np.log(probs)) / logits.shape[0])")},
}
RUNTIME_SECTION = {"marshal.loads of a .pyc in its package folder": "CrossEntropy"}


def _grade(tmp_path, changes):
    texts = kits.reference_regions()
    texts.update(changes)
    return grading.grade(kits.write_package(tmp_path, texts))


def _section(report, name):
    return next(s for s in report.sections if s.name == name)


def _points():
    return {s.name: s.points for s in SECTIONS}


# --- the parent's scan of the region's syntax ----------------------------------------------------------

@pytest.mark.parametrize("line,what", [
    ("import marshal", "marshal"),
    ("from importlib import import_module", "importlib"),
    ("y = eval('Z * 2')", "eval"),
    ("exec(source, ns)", "exec"),
    ("c = compile('Y = Z', 'x', 'exec')", "compile"),
    ("f = types.FunctionType(code, {})", "FunctionType"),
    ("c = f.__code__.replace(co_consts=())", "__code__"),
    ("m = __import__('runpy')", "__import__"),
    ("e = getattr(__builtins__, 'ex' + 'ec')", "__builtins__"),
    ("e = getattr(np, 'exec')", "'exec'"),
    ("g = globals()['np']", "globals()[...]"),
    ("import pickle as p", "pickle"),
    ("m = sys.modules", "sys.modules"),
])
def test_the_scan_names_what_builds_or_loads_code_and_its_line(line, what):
    region = _lines("# a hint", "Y = np.maximum(0.0, Z)", line, "return Y")
    assert loaded_code(region) == (what, 3), f"{line!r}: found {loaded_code(region)}, expected {what!r} at line 3"


def test_the_scan_passes_every_honest_solution_and_a_syntax_error():
    texts = [("reference", rid, t) for rid, t in kits.reference_regions().items()]
    texts += [(name, rid, t) for name, regions in STYLES for rid, t in regions.items()]
    texts += [(bug[0], rid, t) for bug in BUGS for rid, t in bug[2].items()]
    flagged = [(who, rid, loaded_code(t)) for who, rid, t in texts if loaded_code(t) != (None, None)]
    assert not flagged, f"honest code flagged as building or loading code: {flagged}"
    assert loaded_code(_lines("Y = np.maximum(0.0, Z")) == (None, None), "a syntax error is the run's to report"


# --- end to end: the parent's scan ----------------------------------------------------------------------

def test_reference_bytecode_pasted_into_the_regions_scores_nothing_and_is_flagged(tmp_path):
    report = _grade(tmp_path, _borrowed_ce())
    ce = _section(report, "CrossEntropy")
    assert ce.points == 0.0, f"borrowed bytecode scored {ce.points} in CrossEntropy"
    assert report.score == 9.0, f"the other sections keep their points: {report.score}"
    assert all(c.reason.key == "reason:loaded_code" for c in ce.checks), \
        f"every check says why: {[str(c.reason) for c in ce.checks]}"
    reason = str(ce.checks[0].reason)
    assert "marshal" in reason and CE_F in reason and "only code written in the region is graded" in reason, reason
    assert [str(f) for f in report.flags] == ["loaded code in CrossEntropy"], f"the TA's flag: {report.flags}"


def test_a_loop_inside_an_exec_string_earns_no_vectorised_point(tmp_path):
    relu = _section(_grade(tmp_path, RUNTIME["exec of a string holding a loop"]), "ReLU")
    vectorised = [c for c in relu.checks if "vectorised" in c.name.lower() or "loop" in c.name.lower()]
    assert vectorised and all(c.points == 0.0 for c in vectorised), f"vectorised: {vectorised}"
    assert relu.points == 0.0, f"ReLU scored {relu.points}"


# --- end to end: the run's audit hook, the parent's scan switched off ------------------------------------

@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_code_built_or_loaded_as_it_runs_ends_the_run_and_scores_nothing(name, tmp_path, monkeypatch):
    monkeypatch.setattr(grading, "loaded_code", lambda text: (None, None))
    section = RUNTIME_SECTION.get(name, "ReLU")
    report = _grade(tmp_path, RUNTIME[name])
    graded = _section(report, section)
    assert graded.points == 0.0, f"{name}: {section} scored {graded.points}"
    assert report.score == 10.0 - _points()[section], f"{name}: the other sections keep their points: {report.score}"
    assert all(c.reason.key == "reason:loaded_code_run" for c in graded.checks), \
        f"{name}: every check says why: {[str(c.reason) for c in graded.checks]}"
    assert [str(f) for f in report.flags] == [f"loaded code in {section}"], f"{name}: the TA's flag: {report.flags}"


def test_numpy_and_the_standard_library_imported_lazily_are_not_loaded_code(tmp_path):
    report = _grade(tmp_path, {RELU_F: _lines(
        "_ = np.testing.assert_allclose", "_ = np.polynomial.Polynomial([1.0, 2.0])", "_ = np.ma.masked_array(Z)",
        "_ = np.fft.fft(Z[0])", "import statistics, fractions", "return np.maximum(0.0, Z)")})
    assert report.score == 10.0 and not report.flags, \
        f"lazy imports of installed modules are not the student's code: {report.score}, {report.flags}"


# --- what the TA and the student are shown -------------------------------------------------------------

def test_the_flag_is_shown_to_the_ta_and_the_reason_to_the_student(tmp_path):
    report = _grade(tmp_path, RUNTIME["eval"])
    console = Console(file=io.StringIO(), width=200)
    render_terminal(report, console)
    assert "loaded code in ReLU" in console.file.getvalue(), "the terminal shows the flag"
    for lang in ("en", "zh"):
        reason = text(report.sections[0].checks[0].reason, lang)
        assert reason in render_feedback(report, lang) and reason in results_json_text(report, lang), \
            f"{lang}: the student reads why: {reason}"
    again = report_io.load(report_io.dump(report))
    assert again.flags == report.flags, f"report.json keeps the flags: {again.flags}"
    entry = Entry(Path("Li_2024001_hw1_student"), "Li", "2024001", key="2024001", status=GRADED)
    with open(write_gradebook(tmp_path / "gradebook.csv", [Row(entry, report)]), encoding="utf-8-sig") as f:
        row = next(csv.DictReader(f))
    assert row["flags"] == "loaded code in ReLU", f"the gradebook's flags column: {row}"
