"""The message catalogue: both languages complete, every word the grader can say has an entry."""

import re
import signal
import string

import pytest

from autograder import rubric
from autograder.diagnose import MISTAKES
from autograder.messages import CATALOGUES, Msg, default_lang, ending, msg, text
from autograder.sandbox.outcome import (CPU_TIME, EXITED, FILE_SIZE, KINDS, MEMORY, NO_REPORT, OK, PROCESSES, SIGNAL,
                                        TIMED_OUT, Ending)

PUNCTUATION_ONLY = {"reason:with_hint"}     # "{reason}；{hint}": only the punctuation changes


def placeholders(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_catalogue_has_the_same_keys_as_english():
    english = set(CATALOGUES["en"])
    for lang, catalogue in CATALOGUES.items():
        assert set(catalogue) == english, \
            f"{lang}: missing {sorted(english - set(catalogue))}, extra {sorted(set(catalogue) - english)}"


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_every_entry_has_the_english_placeholders(lang):
    wrong = {key: (placeholders(CATALOGUES["en"][key]), placeholders(template))
             for key, template in CATALOGUES[lang].items()
             if placeholders(template) != placeholders(CATALOGUES["en"][key])}
    assert not wrong, f"{lang}: placeholders differ from English (en, {lang}): {wrong}"


def test_chinese_sentences_are_translated():
    # Labels and names may be code in both languages ('gradients["W"]'); sentences must not be.
    for prefix in ("mistake:", "consistency:", "reason:", "hint:", "vectorised:", "feedback:", "ending:", "notice:",
                   "summary:", "gradescope:", "timing:", "describe:", "loop:", "status:"):
        same = [k for k in CATALOGUES["en"] if k.startswith(prefix) and CATALOGUES["zh"][k] == CATALOGUES["en"][k]]
        assert not same, f"left in English in zh.py: {same}"
        untranslated = [k for k in CATALOGUES["zh"] if k.startswith(prefix)
                        and not re.search(r"[\u4e00-\u9fff]", CATALOGUES["zh"][k]) and k not in PUNCTUATION_ONLY]
        assert not untranslated, f"no Chinese in zh.py's {untranslated}"


def test_every_section_check_and_mistake_of_the_grader_has_words():
    keys = set(CATALOGUES["en"])
    for section in rubric.SECTIONS:
        assert f"section:{section.name}" in keys, f"section {section.name!r} has no catalogue entry"
        for check in section.checks:
            assert f"check:{check.name}" in keys, f"{section.name}: check {check.name!r} has no catalogue entry"
            for name in check.mistakes:
                assert name in MISTAKES, f"{section.name}: {check.name!r} names an unknown mistake {name!r}"
    missing = [name for name in MISTAKES if f"mistake:{name}" not in keys]
    assert not missing, f"mistakes without words: {missing}"


def test_an_unknown_key_is_refused_where_it_is_made():
    with pytest.raises(KeyError, match="no message 'no:such'"):
        msg("no:such")


def test_messages_nest_and_render_in_the_asked_language():
    reason = msg("reason:did_not_come_back", label=msg("label:dW"))
    assert text(reason, "en") == 'gradients["W"] did not come back', text(reason, "en")
    assert text(reason, "zh") == '没有返回 gradients["W"]', text(reason, "zh")
    assert str(reason) == text(reason, "en"), "str() is the English"
    assert reason == Msg("reason:did_not_come_back", (("label", Msg("label:dW")),)), "a Msg compares by value"


@pytest.mark.parametrize("outcome,en,zh", [
    (Ending(OK, code=0), "ok", "正常结束"),
    (Ending(TIMED_OUT, seconds=10.0), "timed out after 10 s", "超时（10 秒）"),
    (Ending(TIMED_OUT, seconds=2.5), "timed out after 2.5 s", "超时（2.5 秒）"),
    (Ending(MEMORY), "killed: memory limit", "被终止：超出内存限制"),
    (Ending(CPU_TIME, signal=signal.SIGXCPU), "killed: CPU time limit", "被终止：超出 CPU 时间限制"),
    (Ending(FILE_SIZE, code=1), "killed: file size limit", "被终止：超出文件大小限制"),
    (Ending(PROCESSES, code=1), "killed: process limit", "被终止：超出进程数限制"),
    (Ending(EXITED, code=3), "exited with code 3", "以退出码 3 退出"),
    (Ending(EXITED, code=1, exception="RecursionError"), "exited with code 1 (RecursionError)",
     "以退出码 1 退出（RecursionError）"),
    (Ending(SIGNAL, signal=signal.SIGKILL), "killed by signal SIGKILL", "被信号 SIGKILL 终止"),
    (Ending(SIGNAL, signal=signal.SIGSEGV), "crashed: segmentation fault (SIGSEGV)", "崩溃：段错误（SIGSEGV）"),
    (Ending(SIGNAL, signal=200), "killed by signal signal 200", "被信号 signal 200 终止"),
    (Ending(NO_REPORT), "ended without a report (the code killed its sandbox's launcher)",
     "未留下报告即结束（代码杀死了沙箱的启动进程）"),
], ids=lambda value: value.kind if isinstance(value, Ending) else None)
def test_sandbox_endings_are_worded_from_their_data(outcome, en, zh):
    assert text(ending(outcome), "en") == en, f"{outcome} in English: {text(ending(outcome), 'en')!r}"
    assert text(ending(outcome), "zh") == zh, f"{outcome} in Chinese: {text(ending(outcome), 'zh')!r}"


def test_every_kind_of_ending_has_words():
    for kind in KINDS:
        outcome = Ending(kind, code=1, signal=signal.SIGKILL, seconds=1.0)
        assert text(ending(outcome), "en") and not text(ending(outcome), "en").startswith("ending:"), \
            f"{kind} has no words"


@pytest.mark.parametrize("environ,lang", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"), ({"LC_MESSAGES": "zh_TW", "LANG": "C"}, "zh"),
])
def test_the_default_language_follows_the_locale(environ, lang):
    assert default_lang(environ) == lang, f"{environ} should give {lang}"


def test_a_missing_argument_shows_its_placeholder_instead_of_failing():
    assert text(Msg("describe:shape", (("label", "dW"),)), "en") == "dW has shape {got}; expected {expected}", \
        "a renderer never fails on a word"
    assert text(msg("reason:raised", error="KeyError: '{x}'"), "zh") == "抛出异常 KeyError: '{x}'", \
        "braces in a student's text are not formatted again"
