"""check_gradients.ipynb: committed clean, passes on the reference, runs to the end on the stubs, catches a bug."""

import re

import nbformat
from nbclient import NotebookClient

from autograder.paths import REPO_ROOT

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
