"""``summary.md`` and its two pictures: how the class did, read from the graded reports.

Per section: mean, median, min, max and how many students got each score; the checks not passed most
often (0-point practice checks left out) and the most common diagnoses; the entries not graded, with why.
Pictures are drawn on matplotlib ``Figure`` objects (the Agg canvas, no pyplot, no display), so drawing is
safe from any thread and on a machine without a screen; their labels are English (the fonts matplotlib
ships have no Chinese), the markdown is in the TA's language.
"""

import io
import statistics
from collections import Counter

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from make_submission import write_atomically

from ..messages import msg, text
from ..render.text import check_title, markdown, out_of, points, section_name
from ..report import PASSED
from ..rubric import SECTIONS
from .entries import ERROR, GRADED, SKIPPED
from .gradebook import status

SUMMARY, HISTOGRAM, FAILURES = "summary.md", "score_histogram.png", "check_failure_rate.png"
TOP = 10                        # rows in the "most often" tables
BIN = 0.5                       # points per bar of the histogram


def write_summary(out, rows, lang="en"):
    """Write summary.md (and, when anything was graded, the two PNGs) into ``out``; returns their paths."""
    reports = [row.report for row in rows if row.report is not None]
    written = []
    if reports:
        write_atomically(out / HISTOGRAM, _png(_histogram(reports)))
        write_atomically(out / FAILURES, _png(_failure_chart(_failures(reports), len(reports))))
        written += [out / HISTOGRAM, out / FAILURES]
    write_atomically(out / SUMMARY, render_summary(rows, lang) + "\n")
    return (out / SUMMARY, *written)


def render_summary(rows, lang="en"):
    """The markdown of the class summary."""
    t = lambda key, **args: text(msg(key, **args), lang)          # noqa: E731
    reports = [row.report for row in rows if row.report is not None]
    counts = Counter(row.entry.status for row in rows)
    lines = [f"# {t('summary:title')}", "",
             t("summary:counts", entries=len(rows), graded=counts[GRADED], errors=counts[ERROR],
               skipped=counts[SKIPPED]), ""]
    if not reports:
        return "\n".join(lines + [t("summary:none_graded"), "", *_not_graded(rows, t)])
    lines += [f"## {t('summary:scores')}", "", t("summary:scores_header"),
              "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for s in SECTIONS:
        lines.append(_score_line(section_name(s.name, lang), s.points, [_section_points(r, s.name) for r in reports]))
    lines += [_score_line(t("summary:total"), reports[0].max_score, [r.score for r in reports]), "",
              f"![{t('summary:histogram')}]({HISTOGRAM})", ""]
    failures = _failures(reports)
    titles = {c.title: check_title(c, lang) for r in reports for c in r.checks}
    lines += [f"## {t('summary:failed_most')}", "", t("summary:failed_header"), "| --- | ---: | ---: |"]
    lines += [f"| {markdown(titles[title])} | {n} | {n / len(reports):.0%} |"
              for title, n in failures.most_common(TOP) if n]
    lines += ["", f"![{t('summary:failure_chart')}]({FAILURES})", ""]
    lines += _diagnoses(reports, lang, t)
    return "\n".join(lines + _not_graded(rows, t))


def _section_points(report, name):
    return next((s.points for s in report.sections if s.name == name), 0.0)


def _score_line(name, maximum, values):
    spread = ", ".join(f"{points(v)}: {n}" for v, n in sorted(Counter(values).items(), reverse=True))
    return (f"| {markdown(name)} | {out_of(maximum)} | {statistics.mean(values):.2f} | "
            f"{statistics.median(values):.2f} | {points(min(values))} | {points(max(values))} | {spread} |")


def _failures(reports):
    """Counter {check title (English, as the picture shows it): students who did not pass it}, every graded
    check present (0 included)."""
    counts = Counter()
    for report in reports:
        for check in report.checks:
            if check.max_points > 0:
                counts[check.title] += check.status != PASSED
    return counts


def _diagnoses(reports, lang, t):
    found, where = Counter(), {}
    for report in reports:
        said_here = set()              # a mistake that fails three checks is still one student's mistake
        for check in report.checks:
            if check.diagnosis:
                said = text(check.diagnosis, lang)
                said_here.add(said)
                where.setdefault(said, Counter())[check_title(check, lang)] += 1
        found.update(said_here)
    if not found:
        return [f"## {t('summary:diagnoses')}", "", t("summary:no_diagnosis"), ""]
    lines = [f"## {t('summary:diagnoses')}", "", t("summary:diagnoses_header"), "| --- | ---: | --- |"]
    lines += [f"| {markdown(said)} | {n} | {markdown(', '.join(t for t, _ in where[said].most_common()))} |"
              for said, n in found.most_common(TOP)]
    return lines + [""]


def _not_graded(rows, t):
    missing = [row for row in rows if row.report is None]
    if not missing:
        return []
    lines = [f"## {t('summary:not_graded')}", "", t("summary:not_graded_header"), "| --- | --- | --- |"]
    return lines + [f"| {markdown(r.entry.label)} | {status(r.entry)} | {markdown(r.entry.reason)} |" for r in missing]


# --- pictures -------------------------------------------------------------------------------------------

def _histogram(reports):
    top = reports[0].max_score
    edges = [i * BIN for i in range(int(top / BIN) + 2)]       # the last bar holds the full marks
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    axes = figure.add_subplot()
    axes.hist([r.score for r in reports], bins=edges, edgecolor="white")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set(title=f"Total scores ({len(reports)} students)", xlabel=f"points out of {out_of(top)}",
             ylabel="students")
    return figure


def _failure_chart(failures, graded):
    titles = list(failures)            # rubric order, the first check at the top
    figure = Figure(figsize=(9, 1 + 0.28 * len(titles)), layout="constrained")
    axes = figure.add_subplot()
    axes.barh(range(len(titles)), [failures[t] / graded for t in titles])
    axes.set_yticks(range(len(titles)), titles, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel("share of students")
    figure.suptitle(f"Share of students not passing each check ({graded} graded)")
    return figure


def _png(figure):
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
