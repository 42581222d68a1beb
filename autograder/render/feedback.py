"""``feedback.md``: what a student reads about their grade, in English and 简体中文.

It shows only what the report holds: points, verdicts, and for each check that did not pass, the reason
(what was expected and what came back) and the likely mistake. Student-controlled text is escaped.
"""

from make_submission import write_atomically

from ..report import FAILED, PASSED
from .text import markdown, out_of, points, verdict


def render_feedback(report):
    """The markdown text of the student's feedback."""
    lines = ["# hw1 feedback / 作业反馈", ""]
    who = " · ".join(markdown(x) for x in (report.student_name, report.student_id) if x)
    if who:
        lines += [f"Student / 学生: {who}", ""]
    lines += [f"**Total / 总分: {points(report.score)} / {out_of(report.max_score)}**", ""]
    if report.notices:
        lines += ["## Notices / 提示", ""] + [f"- {markdown(n)}" for n in report.notices] + [""]
    lines += ["## Sections / 各部分", "", "| Section / 部分 | Points / 得分 |", "| --- | ---: |"]
    lines += [f"| {markdown(s.name)} | {points(s.points)} / {out_of(s.max_points)} |" for s in report.sections]
    lines.append("")
    for section in report.sections:
        lines += _section(section)
    failed = [c for c in report.checks if c.status != PASSED]
    if failed:
        lines += ["## What to fix / 需要改进的地方", ""]
        for check in failed:
            lines += _failure(check)
    else:
        lines += ["All checks passed. / 全部检查通过。", ""]
    return "\n".join(lines)


def _section(section):
    lines = [f"### {markdown(section.name)}: {points(section.points)} / {out_of(section.max_points)}", ""]
    if section.ended_abnormally:
        lines += [f"Your code's run for this section ended / 本部分代码运行中止: {markdown(section.child)}", ""]
    lines += ["| Check / 检查项 | Points / 得分 | Result / 结果 |", "| --- | ---: | --- |"]
    lines += [f"| {markdown(c.name)} | {points(c.points)} / {points(c.max_points)} | {verdict(c.status, True)} |"
              for c in section.checks]
    return lines + [""]


def _failure(check):
    lines = [f"### {markdown(check.title)}: {verdict(check.status, True)}", ""]
    if check.reason:
        label = "Expected and got / 期望与实际" if check.status == FAILED else "Why / 原因"
        lines.append(f"- {label}: {markdown(check.reason)}")
    if check.diagnosis:
        lines.append(f"- Likely mistake / 可能的错误: {markdown(check.diagnosis)}")
    return lines + [""]


def write_feedback(report, path):
    """Write ``render_feedback(report)`` to ``path`` through a temporary file and a rename."""
    write_atomically(path, render_feedback(report) + "\n")
