"""``make demo``: grade the bundled example submissions and write what a TA would hand back."""

from pathlib import Path

from rich.console import Console
from rich.table import Table

from .grade import grade
from .paths import REPO_ROOT
from .render.feedback import write_feedback
from .render.gradescope import write_results_json
from .render.terminal import render_terminal

EXAMPLES_DIR = REPO_ROOT / "examples"
# One example never returns; a short limit shows the timeout without making the demo wait 10 s.
DEMO_TIMEOUT = 3.0
OUTPUT_DIR = REPO_ROOT / "demo_output"


def run_demo(examples_dir=EXAMPLES_DIR, out_dir=OUTPUT_DIR, console=None):
    """Grade every example folder; print each report and a summary; write results.json and feedback.md.

    Returns the reports, in folder order.
    """
    console = console or Console()
    reports = []
    for folder in sorted(p for p in Path(examples_dir).iterdir() if p.is_dir()):
        console.rule(folder.name)
        report = grade(folder, timeout=DEMO_TIMEOUT)
        render_terminal(report, console)
        target = Path(out_dir) / folder.name
        target.mkdir(parents=True, exist_ok=True)
        write_results_json(report, target / "results.json")
        write_feedback(report, target / "feedback.md")
        reports.append(report)
    summary = Table(title="the example class")
    for column in ("name", "id", "score", "seconds"):
        summary.add_column(column)
    for report in reports:
        summary.add_row(report.student_name or "?", report.student_id or "?",
                        f"{report.score:g} / {report.max_score:g}", f"{report.execution_time:.2f}")
    console.print(summary)
    console.print(f"results.json and feedback.md for each student: {out_dir}")
    return reports
