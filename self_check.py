"""What the grader checks without its reference, run on your ``hw1_student/`` by ``python make_submission.py
--check``: one line per check, OK, FAILED, NOTE or not implemented yet (the kit's README.md lists them). The
comments show the arithmetic of every value worked out by hand. All OK does not prove your code right.
"""

import ast
import importlib
import importlib.util
import itertools
import sys
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from loop_check import find_loop
from regions import PACKAGE, RegionError, is_unfilled, outside_text, read_source, split_lines, text_hash

OK, FAILED, NOTE, TODO = "OK", "FAILED", "NOTE", "not implemented yet"
# The graded regions the grader reads for loops (the rubric's "vectorised" checks); SoftMax may loop.
VECTORISED = {"ReLU": "activations:ReLU.", "FullyConnected": "fully_connected:FullyConnected.",
              "CrossEntropy": "losses:CrossEntropyLoss."}
LN2, LN3 = np.log(2.0), np.log(3.0)
CHECKS = []         # (name, function(hw, regions), static): the rubric's order, then the loop checks


@dataclass
class Result:
    name: str
    status: str
    detail: str = ""

    def __str__(self):
        detail = (" " if self.status == TODO else ": ") + self.detail if self.detail else ""
        return f"{self.name}: {self.status}{detail}"


class Failed(Exception):
    """The grader takes points here."""


class Note(Exception):
    """Advice on what the homework leaves open: no points."""


def check(name, static=False):
    return lambda fn: CHECKS.append((name, fn, static)) or fn


def expect(condition, reason):
    if not condition:
        raise Failed(reason)


def like(label, got, shape, of, bias=False):
    """A float64 ndarray of ``shape``, the shape of ``of`` (a bias gradient may drop the leading 1)."""
    expect(isinstance(got, np.ndarray), f"{label} is a {type(got).__name__}, not an ndarray")
    expect(got.shape == shape or (bias and got.shape == shape[1:]),
           f"{label} has shape {got.shape}, {of} has {shape}: a gradient has the shape of its tensor")
    expect(got.dtype == np.float64, f"{label} is {got.dtype}, not float64")


def backward_like(layer, Z, dY, label="dZ", of="Z"):
    """``layer.backward(dY)`` after ``layer.forward(Z)``: shaped like Z, float64, and dY left unchanged."""
    layer.forward(Z)
    kept = dY.copy()
    like(label, layer.backward(dY), Z.shape, of)
    expect(np.array_equal(dY, kept), "backward changed dY in place; the caller still owns it: work on a copy")


def rand(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape)


def _loops(section):
    """The grader's loop check (``loop_check.find_loop``) on the section's filled regions."""
    def run(hw, regions):
        mine = [r for rid, r in regions.items() if rid.startswith(VECTORISED[section])]
        if all(is_unfilled(r.text) for r in mine):
            raise NotImplementedError(", ".join(r.id for r in mine))
        found = [(r, *find_loop(r.text)) for r in mine if not is_unfilled(r.text)]
        expect(not any(kind for _, kind, _ in found), "; ".join(
            f"{'a ' + kind + ' loop' if kind in ('for', 'while') else kind} in {r.id} ({r.path}:{r.begin + line})"
            for r, kind, line in found if kind) + ": use whole-array NumPy operations (the grader's vectorised check)")
    return run


@check("ReLU backward: shape, dtype, dY untouched; at z = 0 (a note)")
def _(hw, regions):
    Z = rand(1, 4, 5)
    backward_like(relu := hw.activations.ReLU(), Z + np.sign(Z) * 0.1, rand(2, 4, 5))
    relu.forward(np.zeros((1, 3)))
    if np.any((dZ := relu.backward(np.ones((1, 3)))) != 0):
        raise Note(f"your derivative at exactly z = 0 is {np.ravel(dZ)[0]:g}; any value in [0, 1] is a "
                   f"subgradient, and 0 is the usual convention; no points")


@check("FullyConnected backward: dX, dW, db shapes, dtypes, dY untouched")
def _(hw, regions):
    layer = hw.fully_connected.FullyConnected(3, "tanh", rng=np.random.default_rng(0))
    backward_like(layer, rand(3, 5, 4), rand(4, 5, 3), "dX", "X")
    like("dW", layer.gradients.get("W"), (4, 3), "W")
    like("db", layer.gradients.get("b"), (1, 3), "b", bias=True)


@check("SoftMax forward, by hand")
def _(hw, regions):
    # Row 1: exp(0) = 1 three times, so 1/3 each. Row 2: exp(ln 2) = 2, then 1 and 1: 2/4, 1/4, 1/4.
    Y = hw.activations.SoftMax().forward(np.array([[0.0, 0.0, 0.0], [LN2, 0.0, 0.0]]))
    like("Y", Y, (2, 3), "Z")
    expect(np.allclose(Y.sum(axis=1), 1), f"rows sum to {Y.sum(axis=1).tolist()}, not 1: normalise each row")
    expect(np.allclose(Y, [[1 / 3] * 3, [0.5, 0.25, 0.25]]), f"{Y.round(4).tolist()}; by hand [[1/3, 1/3, 1/3], "
                                                             f"[0.5, 0.25, 0.25]]")


@check("SoftMax forward at logits of ±1000")
def _(hw, regions):
    # The largest logit takes everything: [1, 0, 0]; three equal logits share it: 1/3 each.
    Y = hw.activations.SoftMax().forward(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]))
    expect(np.all(np.isfinite(Y)), "nan or inf at logits of ±1000: exp overflows; subtract each row's maximum "
                                   "before exp (the max shift, which the grader scores)")
    expect(np.allclose(Y, [[1, 0, 0], [1 / 3] * 3]), f"{Y.round(4).tolist()}; by hand [[1, 0, 0], [1/3, 1/3, 1/3]]")


TWO_LOGITS, TWO_Y = np.array([[0.0, 0.0, 0.0], [LN2, 0.0, 0.0]]), np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])


@check("CrossEntropy forward, by hand")
def _(hw, regions):
    # Both samples are of class 0. Row 1: softmax (1/3, 1/3, 1/3), so -log(1/3) = ln 3 = 1.0986.
    # Row 2: softmax (1/2, 1/4, 1/4), so -log(1/2) = ln 2 = 0.6931. The mean over N = 2 samples is
    # (ln 3 + ln 2) / 2 = 0.8959; their sum, ln 6 = 1.7918, is what a loss summed over the batch gives.
    loss = hw.losses.CrossEntropyLoss().forward(TWO_LOGITS.copy(), TWO_Y.copy())
    expect(np.ndim(loss) == 0, f"the loss should be one number; got shape {np.shape(loss)}")
    expect(not np.isclose(loss, LN2 + LN3), f"{float(loss):.4f} is the sum over the 2 samples; the loss is "
                                            f"their mean, {(LN2 + LN3) / 2:.4f} (average over the batch)")
    expect(np.isclose(loss, (LN2 + LN3) / 2), f"{float(loss):.4f}; by hand {(LN2 + LN3) / 2:.4f} (self_check.py)")


@check("CrossEntropy backward: shape, dtype, a mean over the batch; at logits of ±1000 (a note)")
def _(hw, regions):
    loss = hw.losses.CrossEntropyLoss()
    loss.forward(TWO_LOGITS.copy(), TWO_Y.copy())
    like("dlogits", once := loss.backward(), (2, 3), "logits")
    # The batch twice over: the mean loss is the same, so each sample's share, and its gradient, halves.
    loss.forward(np.vstack([TWO_LOGITS] * 2), np.vstack([TWO_Y] * 2))
    like("dlogits", twice := loss.backward(), (4, 3), "logits")
    expect(np.allclose(twice, np.vstack([once] * 2) / 2), "dlogits did not halve when the batch was repeated: "
                                                          "the loss is a mean, divide by N (summed over the batch?)")
    # Row 1, class 0 has the largest logit: probability 1, loss 0. Row 2, class 1 is 2000 below it:
    # log softmax = -2000, loss 2000. The mean: 1000, finite, and so is the gradient.
    value = loss.forward(np.array([[1000.0, -1000.0], [1000.0, -1000.0]]), np.eye(2))
    if not (np.isfinite(value) and np.all(np.isfinite(loss.backward()))):
        raise Note(f"loss {float(value):g} at logits of ±1000 (by hand 1000): a probability rounds to 0 and its log "
                   f"is -inf; log softmax can be computed from the shifted logits; no points")


@check("model forward and backward: shapes and dtypes")
def _(hw, regions):
    model = hw.models.initialize_model(n_classes=3, hidden=5, seed=0)
    X, Y = rand(7, 6, 4), np.eye(3)[[0, 1, 2, 0, 1, 2]]
    like("logits", logits := model.forward(X), (6, 3), "(N, C)")
    model.loss.forward(logits, Y)
    like("dX", model.backward(model.loss.backward()), X.shape, "X")
    for i, layer in enumerate(model.layers, start=1):
        for key, p in layer.parameters.items():
            like(f"d{key} of layer {i}", layer.gradients.get(key), p.shape, key, bias=key == "b")


for _section in VECTORISED:
    check(f"{_section} vectorised: no Python loops", static=True)(_loops(_section))


def _read_names(text):
    """The names a region's code reads without binding them, and the attributes it reads from ``self``."""
    bound, read = set(), set()
    for node in ast.walk(ast.parse("def _region():\n" + text)):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "self":
            read.add(node.attr)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read - bound


def added_helpers(source, module, regions, handout_hash):
    """``{name: line}``: what the regions use that the student wrote outside them. A definition counts as
    added only if taking it out (with up to three blank or comment lines each side) gives back the handout's
    exact text outside the regions; the grader, which splices the regions into the handout, lacks it."""
    used, tree = set().union(*(_read_names(r.text) for r in regions)), ast.parse(source)
    nodes = tree.body + [n for cls in tree.body if isinstance(cls, ast.ClassDef) for n in cls.body]
    spans = [(n.name, min([n.lineno] + [d.lineno for d in n.decorator_list]), n.end_lineno) for n in nodes
             if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name in used]    # functions and methods
    spans = [(name, a, b) for name, a, b in spans if not any(a <= r.begin <= b for r in regions)]
    lines = split_lines(source)
    loose = [0] + [not ln.strip() or ln.strip().startswith("#") for ln in lines]
    for subset, (before, after) in itertools.product(
            (s for k in range(1, min(len(spans), 3) + 1) for s in itertools.combinations(spans, k)),
            itertools.product(range(4), repeat=2)):
        pads = [n for _, a, b in subset for n in [*range(a - before, a), *range(b + 1, b + 1 + after)]]
        drop = set(pads).union(*(range(a, b + 1) for _, a, b in subset))
        text = "".join(ln for n, ln in enumerate(lines, start=1) if n not in drop)
        try:
            if all(0 < n <= len(lines) and loose[n] for n in pads) and \
                    text_hash(outside_text(text, module)) == handout_hash:
                return {name: a for name, a, _ in subset}
        except RegionError:
            continue
    return {}


def helper_results(package, regions, manifest, changed):
    """One FAILED line per region that uses a helper written outside the regions, else one OK line."""
    results = []
    for name in changed:                # a module whose text outside the regions is not the handout's
        path = Path(package) / name
        mine = [r for r in regions.values() if r.module == name[:-3] and not is_unfilled(r.text)]
        added = added_helpers(read_source(path), name[:-3], mine, manifest["modules"][name]["outside_sha256"])
        results += [Result(f"{r.id} uses {h}", FAILED, f"written outside the regions ({path}:{added[h]}), so the "
                           f"grader does not have it (NameError): put it inside the region")
                    for r in mine for h in sorted(added.keys() & _read_names(r.text))]
    return results or [Result("helpers written outside the regions", OK)]


@contextmanager
def loaded(package, name="_checked_" + PACKAGE):
    """The student's package as it is on disk now, imported under a name of its own (a notebook's
    ``hw1_student`` stays as it is), or the exception its import raised."""
    try:                                # an absolute path: a relative one is cached as the folder it meant first
        package = Path(package).resolve()
        spec = importlib.util.spec_from_file_location(name, package / "__init__.py",
                                                      submodule_search_locations=[str(package)])
        spec.loader.exec_module(hw := sys.modules.setdefault(name, importlib.util.module_from_spec(spec)))
        for module in ("activations", "fully_connected", "losses", "models"):   # attributes of hw now
            importlib.import_module(f"{name}.{module}")
    except Exception as e:
        hw = e
    try:
        yield hw
    finally:
        for k in [k for k in sys.modules if k.split(".")[0] == name]:
            del sys.modules[k]


def crash(error, package):
    """One line for an exception: its type, its first line, and the last line of the package it passed."""
    root = Path(package).resolve()
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if Path(f.filename).resolve().is_relative_to(root)]
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}{': ' + text[0] if text else ''}" + (
        f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else "")


def run(package, collected, manifest):
    """Every check on ``package``, the folder of the student's modules: a list of Results."""
    results = []
    with loaded(package) as hw, np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # overflow at ±1000 is a check's result, not noise
        broken = isinstance(hw, Exception)
        if broken:
            results.append(Result(f"import {PACKAGE}", FAILED, crash(hw, package)))
        for name, fn, static in CHECKS:
            try:
                if static or not broken:
                    fn(hw, collected.regions)
                    results.append(Result(name, OK))
            except (Note, Failed) as e:
                results.append(Result(name, NOTE if isinstance(e, Note) else FAILED, str(e)))
            except NotImplementedError as e:
                results.append(Result(name, TODO, f"({e})" if str(e) else ""))
            except (Exception, SystemExit) as e:        # whatever the student's code raises, go on
                results.append(Result(name, FAILED, crash(e, package)))
    return results + helper_results(package, collected.regions, manifest, collected.changed_outside)
