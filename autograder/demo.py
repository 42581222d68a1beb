"""``make demo``: grade the bundled example class as a TA would, and write what the TA hands back."""

from rich.console import Console

from .batch import grade_all
from .messages import default_lang
from .paths import REPO_ROOT
from .render.terminal import render_terminal

EXAMPLES_DIR = REPO_ROOT / "examples"
# One example never returns; a short limit shows the timeout without making the demo wait 10 s.
DEMO_TIMEOUT = 3.0
OUTPUT_DIR = REPO_ROOT / "demo_output"


def run_demo(examples_dir=EXAMPLES_DIR, out_dir=OUTPUT_DIR, console=None, lang=None, timeout=DEMO_TIMEOUT):
    """Grade the example class with ``grade_all`` (every time: ``force``), print each student's report,
    and leave the gradebook, the summary and each student's results.json and feedback.md in ``out_dir``.

    Returns the reports, in gradebook order.
    """
    console = console or Console()
    lang = lang or default_lang()
    result = grade_all(examples_dir, out_dir, timeout=timeout, force=True, lang=lang, console=console)
    reports = [row.report for row in result.rows if row.report is not None]
    for report in reports:
        console.rule(f"{report.student_name} {report.student_id}")
        render_terminal(report, console, lang)
    console.rule()
    console.print(result.summary_line())
    for path in result.written:
        console.print(f"wrote {path}")
    console.print(f"results.json and feedback.md for each student: {out_dir}/<student id>/")
    return reports
