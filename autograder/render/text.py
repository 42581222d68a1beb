"""Text that came from a submission, made safe to show: one line, no control characters, no markup.

Reasons and notices can quote a student's exception message or file name, so every renderer passes them
through here before a terminal, a markdown viewer or Gradescope sees them.
"""

import re

from ..report import ERROR, FAILED, NOT_IMPLEMENTED, PASSED

# A check's status as the student reads it: English, then 简体中文.
VERDICTS = {
    PASSED: ("Passed", "通过"),
    FAILED: ("Failed", "未通过"),
    NOT_IMPLEMENTED: ("Not implemented", "未实现"),
    ERROR: ("Error", "出错"),
}

# Characters that mean something in the middle of a line; the renderers never start a line with student text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def one_line(text, limit=None):
    """``text`` on one line: runs of whitespace become one space, other control characters are shown
    escaped (an ANSI escape from a student's message must not reach a terminal), and at most ``limit``
    characters are kept, the cut marked with "…"."""
    flat = "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(str(text).split()))
    return flat if limit is None or len(flat) <= limit else flat[:limit - 1] + "…"


def verdict(status, bilingual=False):
    """"Passed", or "Passed / 通过"; an unknown status is shown as it is."""
    english, chinese = VERDICTS.get(status, (str(status), None))
    return f"{english} / {chinese}" if bilingual and chinese else english


def explanation(check):
    """A check's reason and diagnosis on one line ("" for a check with neither)."""
    parts = [one_line(check.reason)] if check.reason else []
    if check.diagnosis:
        parts.append(f"likely mistake: {one_line(check.diagnosis)}")
    return "; ".join(parts)


def points(value):
    """Points with two decimals at least and every decimal the rubric has: ``0.50``, ``0.125``, ``7.625``.

    Rounding to two places would print 0.125 as 0.12 and make a student's total look wrong.
    """
    text = f"{value:.6f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def out_of(value):
    """A maximum without needless decimals: ``10``, ``2.5``."""
    return f"{value:g}"


def markdown(text):
    """``text`` on one line with every character markdown gives a meaning to escaped, so a message like
    ``[click](http://…)`` or ``<img>`` is shown, not rendered, and a ``|`` cannot split a table cell."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))
