"""The grader grades what the homework asks, in whatever layout a student writes it.

The reference's layout (no given code after a region), the vectorised check's notion of a loop, probes
that a wrong dtype cannot pass by accident, a section that calls another section's class, and the line the
feedback points at.
"""

import ast
import re
from dataclasses import replace

import pytest

from loop_check import find_loop
from regions import find_regions, read_source

from autograder import probes
from autograder.grade import expected, grade
from autograder.judge import ProbeResult, SectionContext, judge_section
from autograder.paths import HANDOUT_DIR, REFERENCE_DIR
from autograder.report import ERROR, FAILED, NOTE, PASSED
from autograder.rubric import section
from autograder.sandbox.outcome import OK, Ending
from tests import kits

MODULES = sorted(REFERENCE_DIR.glob("*.py"))


def _functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_no_given_line_follows_a_region_in_its_function(path):
    source = read_source(path)
    functions = _functions(ast.parse(source))
    for region in find_regions(source, path.stem, path):
        function = min((f for f in functions if f.lineno < region.begin <= f.end_lineno),
                       key=lambda f: f.end_lineno - f.lineno)
        assert function.end_lineno <= region.end, \
            f"{path.name}:{function.end_lineno}: given code after {region.id} depends on the region falling through"


@pytest.mark.parametrize("text", [
    "        self.gradients = {k: np.zeros_like(v) for k, v in self.parameters.items()}\n",
    "        for name in ('W', 'b'):\n            self.gradients[name] = 0\n",
    "        for key in self.parameters:\n            self.gradients[key] = np.zeros_like(self.parameters[key])\n",
    "        for layer in reversed(self.layers):\n            dY = layer.backward(dY)\n",
    "        for p, g in zip(self.parameters.values(), self.gradients.values()):\n            g[...] = 0\n",
])
def test_a_loop_over_a_layers_dicts_or_the_layers_is_not_a_loop_in_the_math(text):
    kind, line = find_loop(text)
    assert kind is None, f"{text!r} was taken for a loop ({kind}) at line {line}"


@pytest.mark.parametrize("text", [
    "        for i in range(X.shape[0]):\n            Y[i] = X[i] @ W\n",
    "        Y = np.array([max(0, z) for z in Z.ravel()])\n",
    "        for row in Z:\n            out.append(row)\n",
    "        for k, v in zip(Z, dY):\n            pass\n",
    "        while n:\n            n -= 1\n",
    "        Y = np.vectorize(lambda z: max(z, 0))(Z)\n",
])
def test_a_loop_over_samples_or_elements_is_found(text):
    kind, _ = find_loop(text)
    assert kind is not None, f"{text!r}: no loop found"


def _grade(tmp_path, changes):
    texts = kits.reference_regions()
    texts.update(changes)
    return grade(kits.write_package(tmp_path, texts))


def _points(report):
    return {s.name: s.points for s in report.sections}


def test_a_ce_that_uses_its_softmax_is_graded_on_ce_alone(tmp_path):
    report = _grade(tmp_path, {
        "activations:SoftMax.backward": "        return dY\n",
        "losses:CrossEntropyLoss.forward": "        Y_hat = self.softmax.forward(logits)\n"
                                           "        self.cache['Y_hat'], self.cache['Y'] = Y_hat, Y\n"
                                           "        return np.mean(-np.log(Y_hat[Y == 1]))\n",
        "losses:CrossEntropyLoss.backward": "        dY_hat = -self.cache['Y'] / self.cache['Y_hat'] / len(self.cache['Y'])\n"
                                            "        return self.softmax.backward(dY_hat)\n",
    })
    points = _points(report)
    assert points["CrossEntropy"] == 1.0, f"CE through the reference's SoftMax keeps its point: {points}"
    assert points["SoftMax"] < 2.0, f"the student's wrong SoftMax.backward costs SoftMax: {points}"
    assert report.score == 10.0 - (2.0 - points["SoftMax"]), f"charged once: {points}"


def test_np_vectorize_returning_ints_cannot_pass_by_accident(tmp_path):
    report = _grade(tmp_path, {"activations:ReLU.forward":
                               "        return np.vectorize(lambda z: z if z >= 0 else 0)(Z)\n"})
    forward = next(c for c in report.checks if c.title == "ReLU: forward on random inputs")
    assert forward.status != PASSED, f"an int64 ReLU passed: {forward}"
    assert "int64" in str(forward.diagnosis), f"the dtype is named: {forward.diagnosis}"
    assert all(s.points == s.max_points for s in report.sections if s.name != "ReLU"), _points(report)


def test_a_float32_result_with_the_right_values_loses_the_check(tmp_path):
    report = _grade(tmp_path, {"activations:ReLU.forward": "        return np.maximum(0, Z).astype(np.float32)\n"})
    forward = next(c for c in report.checks if c.title == "ReLU: forward on random inputs")
    assert forward.status != PASSED and "float32" in str(forward.reason), f"float32: {forward}"


def test_a_backward_that_returns_none_says_so_at_its_return(tmp_path):
    texts = kits.reference_regions()
    region = "fully_connected:FullyConnected.backward"
    report = _grade(tmp_path, {region: texts[region].replace("return dX", "return None")})
    dX = next(c for c in report.checks if c.title == "FullyConnected: backward: dX matches the reference")
    assert dX.status == ERROR and "NoneType" in str(dX.reason), f"dX None: {dX}"
    assert dX.location and dX.location.region == region, f"points at the region: {dX.location}"
    assert dX.location.code[dX.location.line - dX.location.first].strip() == "return None", dX.location
    assert all(s.points == s.max_points for s in report.sections if s.name != "FullyConnected"), _points(report)


def test_a_cache_key_that_forward_never_stored_is_named(tmp_path):
    report = _grade(tmp_path, {"activations:SoftMax.backward":
                               "        Y = self.cache['probs']\n"
                               "        return Y * (dY - np.sum(dY * Y, axis=1, keepdims=True))\n"})
    backward = next(c for c in report.checks if c.title == "SoftMax: backward matches the reference")
    assert backward.status == ERROR and "probs" in str(backward.reason), f"{backward}"
    assert "your forward store it" in str(backward.reason), f"the hint names the cache: {backward.reason}"
    assert backward.location and backward.location.line == 1, f"points at the line: {backward.location}"


def test_the_marked_line_of_a_summed_ce_is_the_sum_over_the_batch(tmp_path):
    region = "losses:CrossEntropyLoss.forward"
    report = grade(kits.write_package(tmp_path, kits.with_change(region, "/ logits.shape[0]", "")))
    loss = next(c for c in report.checks if c.title == "CrossEntropy: forward on random logits")
    marked = loss.location.code[loss.location.line - loss.location.first].strip()
    assert marked == "loss = -np.sum(Y * log_probs)", f"the >> line: {marked!r}"


def test_notes_are_never_scored_and_reach_the_student(tmp_path):
    report = _grade(tmp_path, {"activations:ReLU.backward": "        return dY * (Z >= 0)\n"})
    note = next(c for c in report.checks if c.status == NOTE)
    assert (note.points, note.max_points, report.score) == (0.0, 0.0, 10.0), f"{note}; {report.score}"


# Formulas of the answers, as a docstring or a hint would write them (spaces and backquotes removed).
FORMULAS = (r"W\^T", r"X\^T", r"W\.T", r"X\.T", r"diag\(y\)-yy\^T", r"softmax\(logits\)-Y", r"sum\(dY\*Y",
            r"\(Z>0\)", r"f\(z\)\(1-f\(z\)\)", r"2lambdaW", r"sign\(Y_hat-Y\)", r"2\(Y_hat-Y\)", r"dout\*[xy]",
            r"logaddexp", r"/N\b")


def _told(path):
    """{region id: the docstring of its function and the hints of the region, squeezed} of a handout module."""
    source = read_source(path)
    functions = _functions(ast.parse(source))
    told = {}
    for region in find_regions(source, path.stem, path):
        function = min((f for f in functions if f.lineno < region.begin <= f.end_lineno),
                       key=lambda f: f.end_lineno - f.lineno)
        words = (ast.get_docstring(function) or "") + region.text
        told[region.id] = re.sub(r"[\s`]", "", words)
    return told


@pytest.mark.parametrize("path", sorted(HANDOUT_DIR.glob("*.py")), ids=lambda p: p.stem)
def test_the_handout_teaches_the_method_not_the_formula(path):
    reference = {r.id: r.text for r in find_regions(read_source(REFERENCE_DIR / path.name), path.stem)}
    for rid, words in _told(path).items():
        found = [f for f in FORMULAS if re.search(f, words)]
        assert not found, f"{path.name}: {rid}'s docstring or hints give the answer: {found}"
        code = [re.sub(r"\s", "", line.split("=", 1)[1]) for line in reference[rid].splitlines()
                if "=" in line and not line.strip().startswith("#") and "==" not in line]
        given = [c for c in code if len(c) >= 8 and c in words]
        assert not given, f"{path.name}: {rid}'s docstring or hints hold the reference's code: {given}"


@pytest.mark.parametrize("points", [0.0, 0.25])
def test_the_rubric_is_where_a_note_becomes_points(points):
    relu = section("ReLU")
    note = next(c for c in relu.checks if c.note)
    rubric = replace(relu, checks=tuple(replace(c, points=points) if c is note else c for c in relu.checks))
    x = probes.inputs_for(note.probe)
    at_kink_one = {"dZk": x["dYk"] * (x["Zk"] >= 0)}
    child = ProbeResult(at_kink_one, probes.OK, "", "", {"dZk": "float64"})
    ctx = SectionContext(rubric, {}, Ending(OK), lambda where: ("", None, None))
    names = probes.probes_of("ReLU")
    judged = judge_section(ctx, {note.probe: child}, {n: expected(n) for n in names},
                           {n: probes.inputs_for(n) for n in names})
    kink = next(c for c in judged if c.name == note.name)
    expected_status = NOTE if not points else FAILED
    assert (kink.status, kink.max_points, kink.points) == (expected_status, points, 0.0), \
        f"a note worth {points} points: {kink.status}, {kink.points}/{kink.max_points}"
