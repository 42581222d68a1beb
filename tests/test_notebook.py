"""check_gradients.ipynb: committed clean, passes on the reference, runs to the end on the stubs and on any buggy
package, says FAILED in one line, agrees with the grader on db's shape, and points to the checks it cannot make."""

import re

import nbformat
from nbclient import NotebookClient

from autograder.paths import REPO_ROOT
from autograder.rubric import SECTIONS
from tests import kits
from tests.conftest import make_kit
from tests.test_homework_contract import FORMULAS

NOTEBOOK = "check_gradients.ipynb"
TOL = 1e-7
# One verdict line per gradient the notebook checks, and one "not implemented" line per part on the stubs.
CHECKS = ["ReLU backward", "Sigmoid backward", "SoftMax backward", "FullyConnected backward dX",
          "FullyConnected backward dW", "FullyConnected backward db", "CrossEntropy backward dlogits",
          "two-layer model backward (all W and b)",
          # the optional parts
          "L2 penalty gradient dW1", "L2 penalty gradient dW2", "two-layer model with weight_decay (all W and b)",
          "MSELoss backward", "L1Loss backward", "MulLayer backward dx", "MulLayer backward dy",
          "AddLayer backward dx", "AddLayer backward dy",
          "shopping example gradients (textbook: 2.2, 110, 3.3, 165, 650)"]
PARTS = ["ReLU", "Sigmoid", "SoftMax", "FullyConnected", "CrossEntropy", "two-layer model",
         "L2 regularisation", "MSELoss", "L1Loss", "MulLayer", "AddLayer", "shopping example"]
VERDICT = re.compile(r"(.+): relative error (\S+)  (OK|FAILED.*)")


def execute(kit):
    """Run the kit's notebook top to bottom with ``kit`` as the working directory; return its stdout text.

    nbclient raises CellExecutionError if any cell raises, so returning at all means it ran to the end.
    """
    nb = nbformat.read(kit / NOTEBOOK, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(kit)}}).execute()
    return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.outputs if out.output_type == "stream" and out.name == "stdout")


def kit_with(tmp_path, changes):
    """A kit whose package is the reference with ``changes`` ((region, old, new), ...)."""
    texts = kits.reference_regions()
    for rid, old, new in changes:
        assert old in texts[rid], f"{rid} no longer contains {old!r}: update this test"
        texts[rid] = texts[rid].replace(old, new)
    return make_kit(tmp_path, kits.write_package(tmp_path / "src", texts))


def verdicts(text):
    """{check name: (relative error, verdict)} from the notebook's printed lines."""
    return {m.group(1): (float(m.group(2)), m.group(3)) for m in map(VERDICT.fullmatch, text.splitlines()) if m}


def test_committed_without_outputs():
    nb = nbformat.read(REPO_ROOT / NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {i} carries outputs or a count"


def test_every_check_passes_on_the_reference(reference_kit):
    text = execute(reference_kit)
    found = verdicts(text)
    assert sorted(found) == sorted(CHECKS), f"expected verdicts for {CHECKS}; the notebook printed:\n{text}"
    for name, (error, verdict) in found.items():
        assert error < TOL and verdict == "OK", f"{name}: relative error {error:.1e} ({verdict}) on the reference"
    assert "not implemented" not in text, f"a part reports 'not implemented' on the reference:\n{text}"


def test_runs_to_the_end_on_the_stubs(stub_kit):
    text = execute(stub_kit)
    lines = text.splitlines()
    for part in PARTS:
        assert any(line.startswith(f"{part}: not implemented yet") for line in lines), \
            f"{part}: no 'not implemented yet' line on the stubs; the notebook printed:\n{text}"
    assert not verdicts(text), f"a verdict was printed on the stubs:\n{text}"


def test_a_wrong_backward_is_reported_failed(reference_kit):
    losses = reference_kit / "hw1_student" / "losses.py"
    source = losses.read_text(encoding="utf-8")
    mean = "dLdlogits = (probs - Y) / Y.shape[0]"
    assert mean in source, f"the reference's CrossEntropyLoss.backward no longer contains {mean!r}: update this test"
    losses.write_text(source.replace(mean, "dLdlogits = probs - Y"), encoding="utf-8")   # the 1/N forgotten
    found = verdicts(execute(reference_kit))
    for name in ("CrossEntropy backward dlogits", "two-layer model backward (all W and b)"):
        error, verdict = found[name]
        assert verdict.startswith("FAILED") and error > TOL, f"{name}: {error:.1e} {verdict} with the 1/N missing"
    assert found["ReLU backward"][1] == "OK", f"ReLU backward should still pass: {found['ReLU backward']}"


def test_a_buggy_package_gets_one_failed_line_per_part_and_the_notebook_goes_on(tmp_path):
    kit = kit_with(tmp_path, [
        ("fully_connected:FullyConnected.backward", "dZ.sum(axis=0, keepdims=True)", "dZ"),     # db not summed
        ("losses:CrossEntropyLoss.forward", "/ logits.shape[0]", ""),                          # summed, and
        ("losses:CrossEntropyLoss.backward", "(probs - Y) / Y.shape[0]", "(probs - Y)"),       # consistently
        ("activations:Sigmoid.forward", "return", "return np.exp(None) +")])                   # raises TypeError
    text = execute(kit)
    lines = text.splitlines()
    db = next((line for line in lines if line.startswith("FullyConnected backward db: ")), "")
    assert db.startswith("FullyConnected backward db: FAILED: shape (5, 3)"), f"db not summed: {db!r}\n{text}"
    assert any(line.startswith("two-layer model: FAILED: layer 1: db has shape") for line in lines), text
    sigmoid = next((line for line in lines if line.startswith("Sigmoid: ")), "")
    assert sigmoid.startswith("Sigmoid: FAILED: TypeError") and "(at activations.py:" in sigmoid, f"{sigmoid!r}"
    found = verdicts(text)
    assert found["CrossEntropy backward dlogits"][1] == "OK", \
        "a loss summed forward and backward alike passes the gradient check: the notebook cannot see it"
    assert any(line.startswith("CrossEntropy forward, by hand: FAILED:") and "sum" in line for line in lines), \
        f"the last cell's hand-computed loss names the sum:\n{text}"
    assert found["shopping example gradients (textbook: 2.2, 110, 3.3, 165, 650)"][1] == "OK", \
        f"the notebook ran to its end:\n{text}"


def test_a_db_shaped_like_the_grader_accepts_passes(tmp_path):
    kit = kit_with(tmp_path, [("fully_connected:FullyConnected.backward", "dZ.sum(axis=0, keepdims=True)",
                               "dZ.sum(axis=0)")])
    found = verdicts(execute(kit))
    assert found["FullyConnected backward db"][1] == "OK", f"db of shape (H,) for b (1, H): {found}"


def test_a_package_that_does_not_import_runs_to_the_end(tmp_path):
    kit = kit_with(tmp_path, [("activations:ReLU.forward", "Y = np.maximum(0.0, Z)", "Y = np.maximum(0.0, Z")])
    lines = execute(kit).splitlines()
    assert lines[0].startswith("FAILED: hw1_student does not import: SyntaxError"), f"first line {lines[0]!r}"
    for part in PARTS:
        assert any(line.startswith(f"{part}: FAILED: hw1_student does not import") for line in lines), \
            f"{part}: no FAILED line:\n" + "\n".join(lines)


def _headings():
    nb = nbformat.read(REPO_ROOT / NOTEBOOK, as_version=4)
    return [line[3:] for cell in nb.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("## ")]


def test_the_parts_follow_the_rubric():
    headings = _headings()
    order = [next((i for i, h in enumerate(headings) if name.split()[0].lower() in h.lower()), None)
             for name in [s.name for s in SECTIONS]]
    assert None not in order and order == sorted(order), \
        f"the notebook's parts {headings} should follow the rubric's {[s.name for s in SECTIONS]}"


def test_the_notebook_teaches_the_method_not_the_formula():
    nb = nbformat.read(REPO_ROOT / NOTEBOOK, as_version=4)
    words = re.sub(r"[\s`\\{}]", "", "".join(cell.source for cell in nb.cells))
    found = [f for f in FORMULAS + (r"diag\(y\)", r"f\(z\)\(1-f\(z\)\)", r"2lambdaW") if re.search(f, words)]
    assert not found, f"check_gradients.ipynb gives the answer: {found}"
