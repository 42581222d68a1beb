"""The TA's view of one graded submission: notices, a rich table per section, the total."""

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..messages import ending, msg, text
from ..report import ERROR, FAILED, NOT_IMPLEMENTED, NOTE, PASSED
from .text import check_name, explanation, one_line, out_of, points, say, section_name, verdict

_STYLES = {PASSED: "green", FAILED: "red", NOT_IMPLEMENTED: "yellow", ERROR: "magenta", NOTE: "blue"}
REASON_WIDTH = 240        # characters of a reason shown in the table; feedback.md has it whole


def render_terminal(report, console=None, lang="en"):
    """Print ``report`` on ``console`` (a new stdout Console by default), its words in ``lang``.

    Every string from the report goes in as ``Text``, never as markup: a reason can quote a student's
    exception message, and ``[bold]`` in it must be printed, not interpreted.
    """
    console = console or Console(highlight=False)
    who = " ".join(x for x in (report.student_name, report.student_id) if x)
    console.print(Text(f"{text(msg('terminal:submission'), lang)}: {one_line(report.submission)}"
                       + (f" ({one_line(who)})" if who else ""), style="bold"))
    for notice in report.notices:
        console.print(Text(f"! {say(notice, lang)}", style="yellow"))
    if report.isolation:
        console.print(Text(f"! {say(msg('notice:sandbox', isolation=report.isolation), lang)}", style="yellow"))
    for flag in report.flags:             # for the TA: the student's files do not show them
        console.print(Text(f"! {say(flag, lang)}", style="bold red"))
    for section in report.sections:
        name = one_line(section_name(section.name, lang))
        console.print(_section_table(section, lang))
        if section.ended_abnormally:
            console.print(Text(f"  {name}: {say(msg('render:ended', ending=ending(section.child)), lang)}",
                               style="magenta"))
        console.print(Text(f"  {say(msg('terminal:section_total', section=name), lang)}: "
                           f"{points(section.points)} / {out_of(section.max_points)}"))
    console.print(Text(f"{text(msg('terminal:total'), lang)}: {points(report.score)} / {out_of(report.max_score)}",
                       style="bold"))


def _section_table(section, lang):
    # Full width, the same for every section, so that the tables line up under each other.
    table = Table(title=Text(one_line(section_name(section.name, lang)), style="bold"), title_justify="left",
                  expand=True)
    table.add_column(text(msg("feedback:check"), lang), ratio=2)
    table.add_column(text(msg("feedback:points"), lang), justify="right", no_wrap=True)
    table.add_column(text(msg("terminal:verdict"), lang), no_wrap=True, min_width=len("Not implemented"))
    table.add_column(text(msg("terminal:reason"), lang), ratio=3)
    for check in section.checks:
        table.add_row(Text(one_line(check_name(check.name, lang))),
                      Text(f"{points(check.points)}/{points(check.max_points)}"),
                      Text(verdict(check.status, lang), style=_STYLES.get(check.status, "")),
                      Text(one_line(explanation(check, lang), REASON_WIDTH)))
    return table
