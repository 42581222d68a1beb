"""Turn what came back from a section's child into CheckResults, by comparison with the reference."""

import ast
import re
from dataclasses import dataclass, replace

import numpy as np

from make_submission import is_unfilled

from . import probes
from .compare import close, describe, gradient_close
from .diagnose import diagnose
from .report import ERROR, FAILED, NOT_IMPLEMENTED, PASSED, CheckResult
from .rubric import GRADIENT, VECTORISED, key_label

ERROR_CHARS = 200
# Calls that hide a Python loop behind a function.
_LOOPING_CALLS = {"vectorize", "apply_along_axis", "frompyfunc", "map", "fromiter"}


@dataclass(frozen=True)
class ProbeResult:
    """One probe's arrays from the child, and how the probe ended there."""

    arrays: dict
    status: int
    error: str
    where: str

    @classmethod
    def from_child(cls, arrays):
        """Read the runner's bookkeeping entries defensively: the child is untrusted."""
        arrays = dict(arrays)
        try:
            status = int(np.asarray(arrays.pop("__status__")).reshape(()))
        except (KeyError, ValueError, TypeError, OverflowError):
            status = probes.RAISED
        error, where = (_text(arrays.pop(k, np.zeros(0))) for k in ("__error__", "__where__"))
        if status not in (probes.OK, probes.NOT_IMPLEMENTED, probes.RAISED):
            status, error = probes.RAISED, "the result file is malformed"
        # One dtype from here on: the judge's arithmetic never meets a bool, an int64 or a float16.
        return cls({k: v.astype(np.float64) for k, v in arrays.items()}, status, error, where)


def _text(array):
    try:
        return bytes(np.asarray(array).astype(np.uint8).ravel()[:1000]).decode("utf-8", "replace")
    except (ValueError, TypeError, OverflowError):
        return ""


@dataclass(frozen=True)
class SectionContext:
    """What the judge needs beyond the arrays: the section, its regions' texts, the child's ending."""

    section: object
    texts: dict                 # region id -> the student's text (absent: missing)
    ending: str                 # how the child ended: "ok", "timed out after 10 s", ...
    locate: object              # "file.py:line" -> words for the student ("line 2 of your region ...")


def judge_section(ctx, results, expected, inputs):
    """The CheckResults of one section, in rubric order.

    results  : {probe: ProbeResult} from the child
    expected : {probe: {key: ndarray}} from the reference
    inputs   : {probe: {key: ndarray}}
    """
    # The child's arrays may hold inf or 1e300: comparing them must not spray the TA's terminal with
    # overflow warnings; non-finite values are reported by ``describe``.
    with np.errstate(all="ignore"):
        return _judge_checks(ctx, results, expected, inputs)


def _judge_checks(ctx, results, expected, inputs):
    checks = []
    for check in ctx.section.checks:
        if check.kind == VECTORISED:
            gate = next(c for c in checks if c.name == check.after)
            checks.append(_vectorised(ctx, check, gate))
            continue
        result = _probe_check(ctx, check, results.get(check.probe), expected[check.probe], inputs[check.probe])
        if result.status == FAILED and result.diagnosis is None and check.is_backward:
            forward_failed = [r.name for c, r in zip(ctx.section.checks, checks)
                              if c.kind != VECTORISED and not c.is_backward and r.status != PASSED]
            result = replace(result, diagnosis=_backward_versus_forward(check, results[check.probe], forward_failed))
        checks.append(result)
    return tuple(checks)


def _backward_versus_forward(check, result, failed):
    """Which half a student should fix when a backward check fails: the words a student needs.

    ``failed`` names the section's forward checks that failed.

    The child's central differences of the student's own forward (``<key>_num``, for the same inputs as
    ``<key>``) decide only these words, never points: the child could forge them.
    """
    pairs = [(result.arrays[k], result.arrays[k + "_num"]) for k, _ in check.compare
             if k in result.arrays and k + "_num" in result.arrays]
    consistent = all(gradient_close(got, numeric) for got, numeric in pairs) if pairs else None
    if failed and consistent:
        return f"backward matches central differences of your own forward, but '{failed[0]}' failed: fix the forward"
    if failed:
        return f"backward uses what your forward computed, and '{failed[0]}' failed: fix the forward first"
    if consistent is False:
        return "backward disagrees with central differences of your (correct) forward: the mistake is in backward"
    return None


def _result(ctx, check, status, reason="", diagnosis=None):
    points = check.points if status == PASSED else 0.0
    return CheckResult(ctx.section.name, check.name, points, check.points, status, reason, diagnosis)


def _probe_check(ctx, check, result, expected, x):
    needed = [got for got, _ in check.compare]
    if result is None or (result.status != probes.OK and not all(k in result.arrays for k in needed)):
        return _did_not_run(ctx, check, result)
    for got_key, exp_key in check.compare:
        label = key_label(check.probe, got_key)
        if got_key not in result.arrays:
            return _result(ctx, check, FAILED, f"{label} did not come back")
        got, exp = result.arrays[got_key], expected[exp_key]
        ok = gradient_close(got, exp, got_key) if check.kind == GRADIENT else close(got, exp, got_key)
        if not ok:
            reason = describe(label, got, exp, got_key)
            if check.kind == GRADIENT:
                reason = f"not the numeric gradient: {reason}"
            return _result(ctx, check, FAILED, reason,
                           diagnose(check.mistakes, result.arrays, x, expected, got_key, exp_key, label))
    return _result(ctx, check, PASSED)


def _did_not_run(ctx, check, result):
    if result is None:
        if ctx.ending != "ok":
            return _result(ctx, check, ctx.ending, f"the section's process {ctx.ending} before this check ran")
        return _result(ctx, check, ERROR, "no result came back (did the code end the process, e.g. os._exit?)")
    if result.status == probes.NOT_IMPLEMENTED:
        which = result.error if result.error in ctx.section.regions else next(
            (r for r in ctx.section.regions if is_unfilled(ctx.texts.get(r, ""))), "a region")
        return _result(ctx, check, NOT_IMPLEMENTED, f"{which} is not implemented yet")
    return _result(ctx, check, ERROR, _raised(ctx, result))


# Hints for exceptions: (section or None for any, pattern of the error, hint). The first match is added.
ERROR_HINTS = (
    ("Model", r"broadcast|mismatch|shapes? .*(not aligned|differ)",
     "shapes do not line up: forward visits the layers first to last, backward last to first"),
    (None, r"NameError: name '(\w+)' is not defined",
     "the given code after your region uses {0!r}: assign it in the region"),
    (None, r"KeyError: '(\w+)'",
     "the given code looks up {0!r} in a cache or dict that your code did not fill"),
    (None, r"MemoryError", "ran out of memory: an array far larger than the inputs?"),
    (None, r"RecursionError", "a function calls itself without end"),
)


def _raised(ctx, result):
    error = " ".join(result.error.split())
    error = re.sub(r" \([\w.]+, line \d+\)$", "", error)[:ERROR_CHARS]    # the hybrid's line, not theirs
    where = ctx.locate(result.where) if result.where else ""
    reason = f"raised {error}" + (f" ({where})" if where else "")
    for section, pattern, hint in ERROR_HINTS:
        match = re.search(pattern, error)
        given_code_hint = hint.startswith("the given")
        if match and section in (None, ctx.section.name) and not (given_code_hint and "your region" in where):
            return f"{reason}; {hint.format(*match.groups())}"
    return reason


def _vectorised(ctx, check, gate):
    texts = [(rid, ctx.texts.get(rid, "")) for rid in ctx.section.regions]
    if any(is_unfilled(text) for _, text in texts):
        return _result(ctx, check, NOT_IMPLEMENTED, "the section's regions are not all implemented yet")
    for rid, text in texts:
        try:
            loop = find_loop(text)
        except SyntaxError as e:
            return _result(ctx, check, FAILED, f"{rid} has a syntax error at line {max((e.lineno or 2) - 1, 1)}")
        except (RecursionError, MemoryError, ValueError) as e:     # in the trusted parent: never fatal
            return _result(ctx, check, FAILED, f"{rid} cannot be parsed ({type(e).__name__})")
        if loop:
            return _result(ctx, check, FAILED, f"{loop} in {rid}: use whole-array NumPy operations")
    if gate.status != PASSED:
        return _result(ctx, check, FAILED, f"no loops, but this is awarded once '{gate.name}' passes")
    return _result(ctx, check, PASSED)


def find_loop(text):
    """"a for loop at line 3" for the first Python loop in a region's text, or None.

    Raises SyntaxError when the region does not parse, RecursionError or MemoryError when it nests
    deeper than the parser goes.
    """
    tree = ast.parse("def _region():\n" + text)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 2) - 1
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            return f"a {'while' if isinstance(node, ast.While) else 'for'} loop at line {line}"
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return f"a comprehension (a loop) at line {line}"
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _LOOPING_CALLS:
                return f"{name}() (a loop in disguise) at line {line}"
    return None
