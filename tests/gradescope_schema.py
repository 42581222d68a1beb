"""Gradescope's results.json schema (https://gradescope-autograders.readthedocs.io/en/latest/specs/),
as a validator: ``problems(results)`` lists what Gradescope would not accept or would misread.

Every key is optional in the spec, except that a score must be given at the top or on every test. A key
the spec does not name is a problem too (a typo such as "stdout_visibilty" would be silently ignored by
Gradescope), except the top-level ``max_score`` our renderer adds for the TAs' tools.
"""

import math

FORMATS = ("text", "html", "simple_format", "md", "ansi")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
STATUSES = ("passed", "failed")

NUMBER, STRING, OBJECT, LIST = "number", "string", "object", "list"
TOP = {
    "score": NUMBER, "execution_time": NUMBER, "output": STRING, "output_format": FORMATS,
    "test_output_format": FORMATS, "test_name_format": FORMATS, "visibility": VISIBILITIES,
    "stdout_visibility": VISIBILITIES, "extra_data": OBJECT, "tests": LIST, "leaderboard": LIST,
}
UNDOCUMENTED_TOP = {"max_score": NUMBER}       # emitted by autograder/render/gradescope.py
TEST = {
    "score": NUMBER, "max_score": NUMBER, "status": STATUSES, "name": STRING, "name_format": FORMATS,
    "number": STRING, "output": STRING, "output_format": FORMATS, "tags": LIST, "visibility": VISIBILITIES,
    "extra_data": OBJECT,
}
LEADER = {"name": STRING, "value": {NUMBER, STRING}, "order": ("asc", "desc")}


def problems(results):
    """What is wrong with the parsed ``results.json``, one string per problem ([] when it is valid)."""
    if not isinstance(results, dict):
        return [f"results.json must be an object, not {type(results).__name__}"]
    found = _keys(results, {**TOP, **UNDOCUMENTED_TOP}, "results")
    tests = results.get("tests", [])
    for i, test in enumerate(tests if isinstance(tests, list) else []):
        if not isinstance(test, dict):
            found.append(f"tests[{i}] must be an object")
            continue
        found += _keys(test, TEST, f"tests[{i}]")
        if "score" not in results and "score" not in test:
            found.append(f"tests[{i}] has no score, and there is no top-level score")
        if isinstance(test.get("tags"), list) and not all(isinstance(t, str) for t in test["tags"]):
            found.append(f"tests[{i}].tags must be strings")
    if "score" not in results and not tests:
        found.append("results.json needs a top-level score or tests with scores")
    leaderboard = results.get("leaderboard", [])
    for i, entry in enumerate(leaderboard if isinstance(leaderboard, list) else []):
        if not isinstance(entry, dict):
            found.append(f"leaderboard[{i}] must be an object")
            continue
        found += _keys(entry, LEADER, f"leaderboard[{i}]")
        found += [f"leaderboard[{i}] needs {key!r}" for key in ("name", "value") if key not in entry]
    return found


def _keys(obj, schema, where):
    found = []
    for key, value in obj.items():
        if key not in schema:
            found.append(f"{where}: {key!r} is not a key of Gradescope's schema")
        elif not _fits(value, schema[key]):
            found.append(f"{where}.{key} = {value!r} does not fit {schema[key]!r}")
    return found


def _fits(value, kind):
    """``kind``: a kind's name, a set of kinds (any of them), or a tuple of the allowed values."""
    if isinstance(kind, set):
        return any(_fits(value, k) for k in kind)
    if isinstance(kind, tuple):
        return isinstance(value, str) and value in kind
    if kind == NUMBER:        # bool is an int to Python, not a number to Gradescope; NaN is not JSON
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return isinstance(value, {STRING: str, OBJECT: dict, LIST: list}[kind])
