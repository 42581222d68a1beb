"""``feedback.md``: what a student reads about their grade, in English or 简体中文.

It shows only what the report holds: points, verdicts, and for each check that did not pass, the reason
(what was expected and what came back), the likely mistake, whether the backward agrees with the
student's own forward, the inputs' shapes, summaries of the expected and received arrays, and the
student's own region with the line that most likely holds the mistake. Student-controlled text is
escaped, and the student's code is shown in a fence no line of it can close.
"""

import textwrap

from regions import write_atomically

from ..messages import ending, msg, text
from ..report import FAILED, NOTE, PASSED
from .text import check_name, check_title, escaped, fence, markdown, out_of, points, section_name, verdict


def render_feedback(report, lang="en"):
    """The markdown text of the student's feedback, in ``lang``."""
    t = lambda key, **args: text(msg(key, **args), lang)          # noqa: E731
    lines = [f"# {t('feedback:title')}", ""]
    who = " · ".join(markdown(x) for x in (report.student_name, report.student_id) if x)
    if who:
        lines += [f"{t('feedback:student')}: {who}", ""]
    lines += [f"**{t('feedback:total')}: {points(report.score)} / {out_of(report.max_score)}**", ""]
    if report.notices:
        lines += [f"## {t('feedback:notices')}", ""] + [f"- {markdown(text(n, lang))}" for n in report.notices]
        lines.append("")
    lines += [f"## {t('feedback:sections')}", "", f"| {t('feedback:section')} | {t('feedback:points')} |",
              "| --- | ---: |"]
    lines += [f"| {markdown(section_name(s.name, lang))} | {points(s.points)} / {out_of(s.max_points)} |"
              for s in report.sections]
    lines.append("")
    for section in report.sections:
        lines += _section(section, lang, t)
    failed = [c for c in report.checks if c.status not in (PASSED, NOTE)]
    if failed:
        lines += [f"## {t('feedback:to_fix')}", ""]
        for check in failed:
            lines += _failure(check, lang, t)
    else:
        lines += [t("feedback:all_passed"), ""]
    notes = [c for c in report.checks if c.status == NOTE]
    if notes:
        lines += [f"## {t('feedback:notes')}", "", t("feedback:notes_intro"), ""]
        for check in notes:
            lines += _failure(check, lang, t)
    return "\n".join(lines)


def _section(section, lang, t):
    lines = [f"### {markdown(section_name(section.name, lang))}: {points(section.points)} / "
             f"{out_of(section.max_points)}", ""]
    if section.ended_abnormally:
        lines += [f"{t('feedback:ended')}: {markdown(text(ending(section.child), lang))}", ""]
    lines += [f"| {t('feedback:check')} | {t('feedback:points')} | {t('feedback:result')} |", "| --- | ---: | --- |"]
    for c in section.checks:
        lines.append(f"| {markdown(check_name(c.name, lang))} | {points(c.points)} / {points(c.max_points)} | "
                     f"{verdict(c.status, lang)} |")
    return lines + [""]


def _failure(check, lang, t):
    lines = [f"### {markdown(check_title(check, lang))}: {verdict(check.status, lang)}", ""]
    if check.reason:
        label = t("feedback:expected_and_got") if check.status == FAILED else t("feedback:why")
        lines.append(f"- {label}: {markdown(text(check.reason, lang))}")
    if check.diagnosis:
        lines.append(f"- {t('feedback:diagnosis')}: {markdown(text(check.diagnosis, lang))}")
    if check.consistency:
        lines.append(f"- {t('feedback:consistency')}: {markdown(text(check.consistency, lang))}")
    if check.evidence:
        lines += _evidence(check.evidence, t)
    lines.append("")
    if check.location and check.location.code:        # a report shows so much code in all (grade.SHOWN_CODE)
        lines += _region(check.location, t)
    return lines


def _evidence(evidence, t):
    lines = []
    if evidence.inputs:
        shapes = ", ".join(f"{markdown(name)} {shape}" for name, shape in evidence.inputs)
        lines.append(f"- {t('feedback:inputs')}: {shapes}")
    for key, summary in (("feedback:expected", evidence.expected), ("feedback:received", evidence.received)):
        said = t("feedback:summary", shape=summary.shape, dtype=summary.dtype, values=summary.values)
        lines.append(f"- {t(key)}: {markdown(said)}")
    if evidence.max_error:
        lines.append(f"- {t('feedback:max_error')}: {markdown(evidence.max_error)}")
    return lines


def _region(location, t):
    """The student's region, numbered, the likely line marked ``>>``."""
    key = "feedback:your_region_line" if location.line else "feedback:your_region"
    # Escaped again: a Location read back from a report.json is shown only as it is safe to.
    code = textwrap.dedent("\n".join(escaped(c.replace("\t", "    ").rstrip()) for c in location.code)).split("\n")
    width = len(str(location.first + len(code)))
    numbered = [f"{'>>' if i == location.line else '  '} {i:>{width}}  {c}"
                for i, c in enumerate(code, location.first)]
    ticks = fence(code)
    return [f"{markdown(t(key, region=location.region))}:", "", f"{ticks}python", *numbered, ticks, ""]


def write_feedback(report, path, lang="en"):
    """Write ``render_feedback(report, lang)`` to ``path`` through a temporary file and a rename."""
    write_atomically(path, render_feedback(report, lang) + "\n")
