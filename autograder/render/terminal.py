"""The TA's view of one graded submission: notices, a rich table per section, the total."""

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..report import ERROR, FAILED, NOT_IMPLEMENTED, PASSED
from .text import explanation, one_line, out_of, points, verdict

_STYLES = {PASSED: "green", FAILED: "red", NOT_IMPLEMENTED: "yellow", ERROR: "magenta"}
REASON_WIDTH = 240        # characters of a reason shown in the table; feedback.md has it whole


def render_terminal(report, console=None):
    """Print ``report`` on ``console`` (a new stdout Console by default).

    Every string from the report goes in as ``Text``, never as markup: a reason can quote a student's
    exception message, and ``[bold]`` in it must be printed, not interpreted.
    """
    console = console or Console(highlight=False)
    who = " ".join(x for x in (report.student_name, report.student_id) if x)
    console.print(Text(f"Submission: {one_line(report.submission)}" + (f" ({one_line(who)})" if who else ""),
                       style="bold"))
    for notice in report.notices:
        console.print(Text(f"! {one_line(notice)}", style="yellow"))
    for section in report.sections:
        console.print(_section_table(section))
        if section.ended_abnormally:
            console.print(Text(f"  {one_line(section.name)}: the graded code's run ended: {one_line(section.child)}",
                               style="magenta"))
        console.print(Text(f"  {one_line(section.name)} total: {points(section.points)} / {out_of(section.max_points)}"))
    console.print(Text(f"Total: {points(report.score)} / {out_of(report.max_score)}", style="bold"))


def _section_table(section):
    # Full width, the same for every section, so that the tables line up under each other.
    table = Table(title=Text(one_line(section.name), style="bold"), title_justify="left", expand=True)
    table.add_column("Check", ratio=2)
    table.add_column("Points", justify="right", no_wrap=True)
    table.add_column("Verdict", no_wrap=True, min_width=len("Not implemented"))
    table.add_column("Reason", ratio=3)
    for check in section.checks:
        table.add_row(Text(one_line(check.name)),
                      Text(f"{points(check.points)}/{points(check.max_points)}"),
                      Text(verdict(check.status), style=_STYLES.get(check.status, "")),
                      Text(one_line(explanation(check), REASON_WIDTH)))
    return table
