"""The grader's words, in English and 简体中文, from one message catalogue.

What the grader finds is data: a ``Msg`` names a catalogue entry and carries its arguments, and only
a renderer turns it into text, in the language the TA or the student asked for. The two catalogues,
``en.py`` and ``zh.py``, hold the same keys with the same placeholders (a test checks it); an argument
may itself be a ``Msg`` (a probe's label inside a reason), rendered in the same language.
"""

import os
from dataclasses import dataclass

from . import en, zh

LANGS = ("en", "zh")
CATALOGUES = {"en": en.MESSAGES, "zh": zh.MESSAGES}


@dataclass(frozen=True)
class Msg:
    """One catalogue entry with its arguments: ``Msg("fc_no_bias")``, ``msg("reason.shape", label=..)``.

    ``args`` is a tuple of ``(name, value)`` pairs, so a Msg is hashable and compares by value; a value
    is a str, an int, a float or a Msg.
    """

    key: str
    args: tuple = ()

    def __str__(self):
        return text(self, "en")


def msg(key, /, **args):
    """``Msg(key, args)`` with the arguments sorted by name."""
    if key not in en.MESSAGES:
        raise KeyError(f"no message {key!r} in the catalogue (autograder/messages/en.py)")
    return Msg(key, tuple(sorted(args.items())))


def text(message, lang="en"):
    """``message`` in ``lang``: a Msg rendered from the catalogue, anything else as ``str``.

    A key missing from a catalogue falls back to English, then to the key itself: a renderer never fails
    on a word.
    """
    if not isinstance(message, Msg):
        return "" if message is None else str(message)
    template = CATALOGUES.get(lang, en.MESSAGES).get(message.key) or en.MESSAGES.get(message.key, message.key)
    args = _Args({name: text(value, lang) if isinstance(value, Msg) else value for name, value in message.args})
    try:
        return template.format_map(args)
    except (ValueError, IndexError, AttributeError):   # a malformed template: show it, never fail
        return template


class _Args(dict):
    """A placeholder with no argument is shown as it is ("{name}"), not raised as a KeyError."""

    def __missing__(self, name):
        return "{" + name + "}"


def default_lang(environ=None):
    """"zh" when the locale (LC_ALL, LC_MESSAGES or LANG, in that order) is Chinese, else "en"."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def ending(outcome: "Ending") -> Msg:
    """A sandboxed run's ending (``sandbox.outcome.Ending``, not imported: the catalogue stays light) as a
    Msg, from its kind and its numbers."""
    kind = outcome.kind
    if kind == "exited":
        return msg("ending:exited_with", code=outcome.code, exception=outcome.exception) if outcome.exception \
            else msg("ending:exited", code=outcome.code)
    if kind == "signal":
        name = outcome.signal_name
        crash = f"crash:{name}"
        return msg("ending:crashed", what=msg(crash), name=name) if crash in en.MESSAGES \
            else msg("ending:signal", name=name)
    if kind == "timed_out":
        return msg("ending:timed_out", seconds=f"{outcome.seconds:g}")
    return msg(f"ending:{kind}")             # ok, memory, cpu_time, file_size, processes, no_report
