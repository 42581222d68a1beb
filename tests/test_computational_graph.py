"""The computational-graph warm-up: MulLayer, AddLayer and the textbook's shopping example."""

import numpy as np
import pytest

from autograder.reference.computational_graph import AddLayer, MulLayer, buy_apples_and_oranges
from autograder.reference.grad_check import numeric_gradient, relative_error
from autograder.report import NOT_IMPLEMENTED, PASSED
from tests import kits
from tests.optional_parts import assert_all_pass, failures, section_checks

SECTION = "Computational graph"
# d price / d (apple, apple_num, orange, orange_num, tax), as the textbook computes them.
TEXTBOOK = {"apple": 2.2, "apple_num": 110.0, "orange": 3.3, "orange_num": 165.0, "tax": 650.0}


def test_the_shopping_example_gives_the_textbooks_numbers():
    price, grads = buy_apples_and_oranges()
    np.testing.assert_allclose(price, 715.0, rtol=1e-12, err_msg="(2 * 100 + 3 * 150) * 1.1")
    for name, value in TEXTBOOK.items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-12, err_msg=f"d price / d {name}")


@pytest.mark.parametrize("cls", [MulLayer, AddLayer], ids=lambda c: c.__name__)
@pytest.mark.parametrize("seed", range(3))
def test_backward_matches_central_differences(cls, seed):
    rng = np.random.default_rng(seed)
    x, y, dout = (rng.normal(size=(3, 4)) for _ in range(3))
    node = cls()
    node.forward(x.copy(), y.copy())
    dx, dy = node.backward(dout)
    dx_num = numeric_gradient(lambda v: cls().forward(v, y), x.copy(), dout)
    dy_num = numeric_gradient(lambda v: cls().forward(x, v), y.copy(), dout)
    assert relative_error(dx, dx_num) < 1e-8, f"{cls.__name__}: dx, relative error {relative_error(dx, dx_num):.1e}"
    assert relative_error(dy, dy_num) < 1e-8, f"{cls.__name__}: dy, relative error {relative_error(dy, dy_num):.1e}"


def test_the_reference_passes_every_check_and_the_stubs_none(tmp_path):
    checks = section_checks(tmp_path / "reference", kits.reference_regions(), SECTION)
    assert len(checks) == 6 and all(c.status == PASSED for c in checks), failures(checks)
    texts = {rid: text for rid, text in kits.reference_regions().items() if not rid.startswith("computational")}
    stubs = section_checks(tmp_path / "stubs", texts, SECTION)
    assert stubs and {c.status for c in stubs} == {NOT_IMPLEMENTED}, failures(stubs)


def test_an_add_layer_that_hands_back_dout_itself_is_correct(tmp_path):
    assert_all_pass(tmp_path, {"computational_graph:AddLayer.backward": (
        "dx = dout * 1\n        dy = dout * 1", "dx, dy = dout, dout")}, SECTION)


def test_unswapped_mul_backward_fails_the_example_with_its_numbers(tmp_path):
    texts = kits.with_change("computational_graph:MulLayer.backward", 'dx = dout * self.cache["y"]',
                             'dx = dout * self.cache["x"]')
    checks = {c.name: c for c in section_checks(tmp_path, texts, SECTION)}
    example = next(c for name, c in checks.items() if name.startswith("the textbook's shopping"))
    assert example.status != PASSED and "2.2" in str(example.reason), f"the example: {example.reason}"
    assert checks["MulLayer forward on random inputs"].status == PASSED, "the forward is right"
