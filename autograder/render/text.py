"""Text that came from a submission, made safe to show: one line, no control characters, no markup.

Reasons and notices can quote a student's exception message or file name, so every renderer passes them
through here before a terminal, a markdown viewer or Gradescope sees them. Words from the grader are
``messages.Msg`` values, put in the reader's language here.
"""

import re

from ..messages import en, ending, msg, text

# Characters that mean something in the middle of a line; the renderers never start a line with student text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def escaped(text):
    """``text`` with each character that is not printable shown escaped: an ANSI escape from a student's
    message must not reach a terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def one_line(text, limit=None):
    """``text`` on one line: runs of whitespace become one space, other control characters are shown
    escaped, and at most ``limit`` characters are kept, the cut marked with "…"."""
    flat = escaped(" ".join(str(text).split()))
    return flat if limit is None or len(flat) <= limit else flat[:limit - 1] + "…"


def fence(lines):
    """A markdown code fence that no line of ``lines`` can close: longer than any run of backticks in them."""
    return "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", "\n".join(lines))), default=0))


def say(words, lang="en", limit=None):
    """A Msg (or plain text) in ``lang``, on one line."""
    return one_line(text(words, lang), limit)


def verdict(status, lang="en"):
    """"Passed" / "通过"; a sandbox ``Ending`` used as a status ("timed out after 10 s") in words too."""
    if not isinstance(status, str):
        return text(ending(status), lang)
    key = f"status:{status}"
    return text(msg(key) if key in en.MESSAGES else status, lang)


def section_name(name, lang="en"):
    key = f"section:{name}"
    return text(msg(key), lang) if key in en.MESSAGES else str(name)


def check_name(name, lang="en"):
    key = f"check:{name}"
    return text(msg(key), lang) if key in en.MESSAGES else str(name)


def check_title(check, lang="en"):
    """``"<section>: <check>"`` in ``lang``, the name Gradescope shows."""
    return f"{section_name(check.section, lang)}: {check_name(check.name, lang)}"


def explanation(check, lang="en"):
    """A check's reason and diagnosis on one line ("" for a check with neither)."""
    parts = [say(check.reason, lang)] if check.reason else []
    if check.diagnosis:
        parts.append(say(msg("render:likely_mistake", diagnosis=check.diagnosis), lang))
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
