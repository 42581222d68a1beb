"""The judge runs in the trusted parent on arrays a child chose: whatever they are, it never raises."""

import numpy as np
import pytest

from autograder import probes
from autograder.grade import expected
from autograder.judge import ProbeResult, SectionContext, judge_section
from autograder.report import PASSED
from autograder.rubric import SECTIONS
from autograder.sandbox.outcome import OK, Ending


def _odd_arrays(rng, like):
    """Arrays of the keys of ``like``: wrong dtypes, shapes, sizes, NaN, inf, empties and scalars."""
    makers = [
        lambda a: np.zeros(0),
        lambda a: np.array(rng.normal()),
        lambda a: rng.normal(size=a.shape[::-1]) if a.ndim else rng.normal(size=(2, 3)),
        lambda a: np.full(a.shape, np.nan),
        lambda a: np.full(a.shape, np.inf),
        lambda a: (rng.normal(size=a.shape) > 0),
        lambda a: rng.integers(-2**62, 2**62, size=a.shape),
        lambda a: rng.normal(size=a.shape).astype(np.float16),
        lambda a: rng.normal(size=(50, 50, 3)),
        lambda a: a * 1e300,
    ]
    return {k: makers[rng.integers(len(makers))](np.asarray(v)) for k, v in like.items()}


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("section", SECTIONS, ids=[s.name for s in SECTIONS])
def test_the_judge_never_raises_on_what_a_child_sends(section, seed):
    rng = np.random.default_rng(seed)
    names = probes.probes_of(section.name)
    raw = {}
    for name in names:
        arrays = _odd_arrays(rng, expected(name))
        arrays["__status__"] = np.array(rng.choice([0, 1, 2, 7, -1]))
        arrays["__error__"] = rng.integers(0, 256, size=rng.integers(0, 50)).astype(np.uint8)
        raw[name] = arrays
    results = {name: ProbeResult.from_child(arrays) for name, arrays in raw.items()}
    ctx = SectionContext(section, {}, Ending(OK, code=0), lambda where: "")
    checks = judge_section(ctx, results, {n: expected(n) for n in names}, {n: probes.inputs_for(n) for n in names})
    assert len(checks) == len(section.checks), f"{section.name}: one result per check"
    assert all(c.points == (c.max_points if c.status == PASSED else 0.0) for c in checks), \
        f"points are all or nothing per check: {[(c.name, c.status, c.points) for c in checks]}"


def test_a_huge_region_is_shown_as_a_window_around_the_line():
    from autograder.judge import SHOWN_LINES, SectionContext
    from autograder.rubric import section
    text = "".join(f"        x{i} = {i}\n" for i in range(5000)) + "        dZ = dY * (Z >= 0)\n" + "x" * 10**6
    ctx = SectionContext(section("ReLU"), {"activations:ReLU.backward": text}, Ending(OK, code=0), None)
    location = ctx.location(".backward", r">=")
    assert location.line == 5001 and location.first <= 5001 < location.first + len(location.code), location.first
    assert len(location.code) <= SHOWN_LINES and max(map(len, location.code)) <= 200, "the window is capped"
    assert location.code[location.line - location.first].strip() == "dZ = dY * (Z >= 0)", "the line is shown"

