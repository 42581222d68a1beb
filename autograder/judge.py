"""Turn what came back from a section's child into CheckResults, by comparison with the reference."""

import re
from dataclasses import dataclass, replace

import numpy as np

from loop_check import find_loop
from regions import is_unfilled

from . import probes
from .compare import close, describe, gradient_close, max_error, summary
from .diagnose import MISTAKES, diagnose
from .messages import ending as ending_msg
from .messages import msg
from .render.text import escaped
from .report import ERROR, FAILED, NOT_IMPLEMENTED, NOTE, PASSED, CheckResult, Evidence, Location
from .rubric import GRADIENT, VECTORISED, key_inputs, key_label

SHOWN_LINES, SHOWN_CHARS = 40, 200         # the most of a region's lines, and of a line, a feedback shows


@dataclass(frozen=True)
class ProbeResult:
    """One probe's arrays from the child, and how the probe ended there."""

    arrays: dict
    status: int
    error: str
    where: str
    dtypes: dict = None         # key -> the dtype the child's array had, before it became float64

    @classmethod
    def from_child(cls, arrays):
        """Read the runner's bookkeeping entries defensively: the child is untrusted, and its text is cut
        to ``probes.ERROR_CHARS`` (all of it a student is shown) here, where the parent reads it."""
        arrays = dict(arrays)
        try:
            status = int(np.asarray(arrays.pop("__status__")).reshape(()))
        except (KeyError, ValueError, TypeError, OverflowError):
            status = probes.RAISED
        error, where = (_text(arrays.pop(k, np.zeros(0))) for k in ("__error__", "__where__"))
        if status not in (probes.OK, probes.NOT_IMPLEMENTED, probes.RAISED):
            status, error = probes.RAISED, str(msg("reason:malformed"))
        # One dtype from here on: the judge's arithmetic never meets a bool, an int64 or a float16.
        return cls({k: v.astype(np.float64) for k, v in arrays.items()}, status, error, where,
                   {k: str(v.dtype) for k, v in arrays.items()})


def _text(array):
    try:
        data = bytes(np.asarray(array).ravel()[:4 * probes.ERROR_CHARS].astype(np.uint8))    # 4: UTF-8's longest
        return data.decode("utf-8", "replace")[:probes.ERROR_CHARS]
    except (ValueError, TypeError, OverflowError):
        return ""


@dataclass(frozen=True)
class SectionContext:
    """What the judge needs beyond the arrays: the section, its regions' texts, the child's ending."""

    section: object
    texts: dict                 # region id -> the student's text (absent: missing)
    ending: object              # how the child ended: the sandbox's Ending
    locate: object              # "file.py:line" -> (words, region id, line in it): ``hybrid.locator``

    def location(self, suffix, pattern="", line=None):
        """The Location of the section's region whose id ends with ``suffix``: at ``line``, or at the first
        code line matching ``pattern``; None when the section has no such region the student filled."""
        rid = next((r for r in self.section.regions if r.endswith(suffix)), None)
        text = self.texts.get(rid, "") if rid else ""
        if not text or is_unfilled(text):
            return None
        code = text.rstrip("\n").split("\n")
        if line is None and pattern:
            # Searched on the shown part of each line only: the work in the trusted parent stays bounded
            # whatever the length of a student's line (the line can only be pointed at where it is shown).
            line = next((i for i, c in enumerate(code, 1) if c.strip() and not c.strip().startswith("#")
                         and re.search(pattern, c[:SHOWN_CHARS])), None)
        # A region can be any size: the feedback shows a window of it, around the line when there is one.
        first = max(1, min((line or 1) - SHOWN_LINES // 2, len(code) - SHOWN_LINES + 1))
        shown = tuple(_shown(c) for c in code[first - 1:first - 1 + SHOWN_LINES])
        return Location(rid, shown, line, first)


def _shown(line):
    """A line of a region as a feedback shows it, so that its size is what a report holds: tabs expanded,
    control characters escaped, at most ``SHOWN_CHARS`` characters."""
    return escaped(line[:SHOWN_CHARS].replace("\t", "    "))[:SHOWN_CHARS]


def judge_section(ctx, results, expected, inputs):
    """The CheckResults of one section, in rubric order.

    results  : {probe: ProbeResult} from the child
    expected : {probe: {key: ndarray}} from the reference
    inputs   : {probe: {key: ndarray}}
    """
    # The child's arrays may hold inf or 1e300: comparing them must not spray the TA's terminal with
    # overflow warnings; non-finite values are reported by ``describe``.
    with np.errstate(all="ignore"):
        checks = []
        for check in ctx.section.checks:
            if check.kind == VECTORISED:
                gate = next(c for c in checks if c.name == check.after)
                checks.append(_vectorised(ctx, check, gate))
                continue
            result = _probe_check(ctx, check, results.get(check.probe), expected[check.probe],
                                  inputs[check.probe])
            if result.status == FAILED and check.is_backward:
                forward_failed = [r.name for c, r in zip(ctx.section.checks, checks)
                                  if c.kind != VECTORISED and not c.is_backward and not c.note and r.status != PASSED]
                result = replace(result, consistency=_consistency(check, results[check.probe], forward_failed))
            if check.note and not check.points and result.status in (FAILED, ERROR):
                result = replace(result, status=NOTE)
            checks.append(result)
    return tuple(checks)


def _consistency(check, result, failed):
    """Whether a failed backward agrees with the student's own forward, and which half to fix.

    ``failed`` names the section's forward checks that failed. The child's central differences of the
    student's own forward (``<key>_num``, for the same inputs as ``<key>``) decide only these words,
    never points: the child could forge them.
    """
    pairs = [(result.arrays[k], result.arrays[k + "_num"]) for k, _ in check.compare
             if k in result.arrays and k + "_num" in result.arrays]
    consistent = all(gradient_close(got, numeric) for got, numeric in pairs) if pairs else None
    if failed:
        key = {True: "consistency:forward_wrong", False: "consistency:forward_failed_too",
               None: "consistency:forward_failed"}[consistent]
        return msg(key, check=msg(f"check:{failed[0]}"))
    if consistent is False:
        return msg("consistency:backward_wrong")
    return msg("consistency:backward_consistent") if consistent else None


def _result(ctx, check, status, reason="", **found):
    points = check.points if status == PASSED else 0.0
    return CheckResult(ctx.section.name, check.name, points, check.points, status, reason, **found)


def _region_suffix(check):
    """The region a check exercises: backward checks the backward, the layer's set-up its
    ``_init_parameters``, the rest the forward."""
    if check.is_backward:
        return ".backward"
    return "._init_parameters" if check.probe == "fc_init" else ".forward"


def _probe_check(ctx, check, result, expected, x):
    needed = [got for got, _ in check.compare]
    if result is None or (result.status != probes.OK and not all(k in result.arrays for k in needed)):
        return _did_not_run(ctx, check, result)
    for got_key, exp_key in check.compare:
        label = key_label(check.probe, got_key)
        if got_key not in result.arrays:
            return _result(ctx, check, FAILED, msg("reason:did_not_come_back", label=label),
                           location=ctx.location(_region_suffix(check)))
        got, exp = result.arrays[got_key], expected[exp_key]
        ok = gradient_close(got, exp, got_key) if check.kind == GRADIENT else close(got, exp, got_key)
        if not ok:
            return _failed(ctx, check, result, x, expected, got_key, exp_key, label)
        dtype = (result.dtypes or {}).get(got_key, "float64")
        if dtype != "float64":
            # Close in value, but not floats of the homework's precision: an int or a bool array is right
            # only by chance of the inputs, a float32 one loses digits the next layer needs.
            return _result(ctx, check, FAILED, msg("reason:dtype", label=label, dtype=dtype),
                           location=ctx.location(_region_suffix(check), r"\breturn\b|astype|dtype"))
    return _result(ctx, check, PASSED)


def _failed(ctx, check, result, x, expected, got_key, exp_key, label):
    got, exp = result.arrays[got_key], expected[exp_key]
    reason = describe(label, got, exp, got_key)
    if check.kind == GRADIENT:
        reason = msg("reason:not_numeric_gradient", detail=reason)
    diagnosis, name = diagnose(check.mistakes, result.arrays, x, expected, got_key, exp_key, label)
    dtype = (result.dtypes or {}).get(got_key, "float64")
    if diagnosis is None and dtype != "float64":
        diagnosis = msg("generic:dtype", label=label, dtype=dtype)
    mistake = MISTAKES.get(name)
    location = ctx.location(mistake.region, mistake.line) if mistake else ctx.location(_region_suffix(check))
    evidence = Evidence(label, key_inputs(check.probe, x, got_key), summary(exp),
                        summary(got, (result.dtypes or {}).get(got_key)), max_error(got, exp, got_key))
    return _result(ctx, check, FAILED, reason, diagnosis=diagnosis, evidence=evidence, location=location)


def _did_not_run(ctx, check, result):
    if result is None:
        if not ctx.ending.ok:
            return _result(ctx, check, ctx.ending, msg("reason:ended_before", ending=ending_msg(ctx.ending)))
        return _result(ctx, check, ERROR, msg("reason:no_result"))
    if result.status == probes.NOT_IMPLEMENTED:
        which = result.error if result.error in ctx.section.regions else next(
            (r for r in ctx.section.regions if is_unfilled(ctx.texts.get(r, ""))), "a region")
        return _result(ctx, check, NOT_IMPLEMENTED, msg("reason:not_implemented", regions=which))
    return _raised(ctx, check, result)


# Hints for exceptions: (pattern of the error, hint key). The first match is added. A mistake of the
# catalogue known by its exception (``Mistake.raised``) is named instead, as the check's diagnosis.
ERROR_HINTS = (
    (r"NameError: name '(?P<name>\w+)' is not defined", "hint:name_undefined"),
    (r"KeyError: '(?P<key>\w+)'", "hint:key_missing"),
    (r"MemoryError", "hint:memory"),
    (r"RecursionError", "hint:recursion"),
)


def _raised(ctx, check, result):
    error = " ".join(result.error.split())
    error = re.sub(r" \([\w.]+, line \d+\)$", "", error)[:probes.ERROR_CHARS]    # the hybrid's line, not theirs
    words, region, line = ctx.locate(result.where) if result.where else ("", None, None)
    if not result.where and "not an array of numbers" in error:
        # The region returned (or stored) something that is not an array: point at its return.
        location = ctx.location(_region_suffix(check), r"\breturn\b")
        return _result(ctx, check, ERROR, msg("reason:raised", error=error), location=location)
    reason = msg("reason:raised_at", error=error, where=words) if words else msg("reason:raised", error=error)
    diagnosis, name = diagnose(check.mistakes, result.arrays, {}, {}, "", "", "", error=error, region=region)
    if name:
        mistake = MISTAKES[name]
        return _result(ctx, check, ERROR, reason, diagnosis=diagnosis,
                       location=ctx.location(mistake.region, mistake.line))
    for pattern, hint in ERROR_HINTS:
        match = re.search(pattern, error)
        if match:
            reason = msg("reason:with_hint", reason=reason, hint=msg(hint, **match.groupdict()))
            break
    location = ctx.location(region, line=line) if region else None
    return _result(ctx, check, ERROR, reason, location=location)


def _vectorised(ctx, check, gate):
    texts = [(rid, ctx.texts.get(rid, "")) for rid in ctx.section.regions]
    if any(is_unfilled(text) for _, text in texts):
        return _result(ctx, check, NOT_IMPLEMENTED, msg("vectorised:not_all_implemented"))
    for rid, text in texts:
        try:
            kind, line = find_loop(text)
        except SyntaxError as e:
            return _result(ctx, check, FAILED, msg("vectorised:syntax_error", region=rid,
                                                   line=max((e.lineno or 2) - 1, 1)))
        except (RecursionError, MemoryError, ValueError) as e:     # in the trusted parent: never fatal
            return _result(ctx, check, FAILED, msg("vectorised:unparsable", region=rid, error=type(e).__name__))
        if kind:
            loop = msg(f"loop:{kind}", line=line) if kind in ("for", "while", "comprehension") else \
                msg("loop:call", name=kind, line=line)
            return _result(ctx, check, FAILED, msg("vectorised:loop", loop=loop, region=rid),
                           location=ctx.location(rid, line=line))
    if gate.status != PASSED:
        return _result(ctx, check, FAILED, msg("vectorised:gated", check=msg(f"check:{gate.name}")))
    return _result(ctx, check, PASSED)
