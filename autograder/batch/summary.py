"""``summary.md`` and its pictures: how the class did, read from the graded reports.

It counts students (distinct ids), not entries: a student with several graded entries counts once, by
their best total. Per section: mean, median, min, max and how many students got each score, and a
histogram; the checks not passed most often (0-point checks left out) and the most common diagnoses,
among the students who filled some region (those who handed in the stubs unfilled are counted apart);
the pairs of students with similar code, side by side; the entries not graded, with why.
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

from regions import write_atomically

from ..messages import msg, text
from ..render.text import check_title, fence, markdown, out_of, points, section_name
from ..report import NOT_IMPLEMENTED, PASSED
from ..rubric import SECTIONS
from .entries import ERROR, SKIPPED
from .gradebook import status
from .similarity import side_by_side

SUMMARY, HISTOGRAM, SECTION_HISTOGRAMS, FAILURES = ("summary.md", "score_histogram.png", "section_histograms.png",
                                                    "check_failure_rate.png")
TOP = 10                        # rows in the "most often" tables
TOP_PAIRS = 5                   # similar pairs shown side by side (similarity.csv has them all)
BIN = 0.5                       # points per bar of the total's histogram
SECTION_BIN = 0.25              # points per bar of a section's
SCORED = [s for s in SECTIONS if s.points]


def write_summary(out, rows, lang="en", pairs=(), threshold=1.0):
    """Write summary.md (and, when anything was graded, its PNGs) into ``out``; returns their paths."""
    reports = students(rows)
    filled = [r for r in reports if not unsubmitted(r)]
    pictures = {HISTOGRAM: lambda: _histogram([r.score for r in reports], reports[0].max_score, BIN),
                SECTION_HISTOGRAMS: lambda: _section_histograms(reports),
                FAILURES: lambda: _failure_chart(_failures(filled), len(filled))}
    drawn = [name for name in pictures if reports and (name != FAILURES or filled)]
    for name in drawn:
        write_atomically(out / name, _png(pictures[name]()))
    write_atomically(out / SUMMARY, render_summary(rows, lang, pairs, threshold) + "\n")
    return (out / SUMMARY, *(out / name for name in drawn))


def students(rows):
    """One report per student id, the best total of their graded entries, in gradebook order."""
    best = {}
    for row in rows:
        if row.report is not None:
            key = row.entry.student_id or row.entry.label
            if key not in best or row.report.score > best[key].score:
                best[key] = row.report
    return list(best.values())


def unsubmitted(report):
    """Whether every check is "not implemented": the stubs handed in as they were."""
    return all(c.status == NOT_IMPLEMENTED for c in report.checks)


def render_summary(rows, lang="en", pairs=(), threshold=1.0):
    """The markdown of the class summary."""
    t = lambda key, **args: text(msg(key, **args), lang)          # noqa: E731
    reports = students(rows)
    filled = [r for r in reports if not unsubmitted(r)]
    counts = Counter(row.entry.status for row in rows)
    lines = [f"# {t('summary:title')}", "",
             t("summary:counts", entries=len(rows), students=len({r.entry.student_id for r in rows} - {None}),
               graded=len(reports), errors=counts[ERROR], skipped=counts[SKIPPED]), ""]
    several = sum(n > 1 for n in Counter(r.entry.student_id for r in rows if r.report is not None).values())
    if several:
        lines += [t("summary:several_entries", count=several), ""]
    if not reports:
        return "\n".join(lines + [t("summary:none_graded"), "", *_not_graded(rows, t)])
    lines += [f"## {t('summary:scores')}", "", t("summary:scores_header"),
              "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for s in SECTIONS:
        lines.append(_score_line(section_name(s.name, lang), s.points, [_section_points(r, s.name) for r in reports]))
    lines += [_score_line(t("summary:total"), reports[0].max_score, [r.score for r in reports]), "",
              f"![{t('summary:histogram')}]({HISTOGRAM})", "",
              f"![{t('summary:section_histograms')}]({SECTION_HISTOGRAMS})", ""]
    if len(filled) < len(reports):
        lines += [t("summary:unsubmitted", count=len(reports) - len(filled)), ""]
    if filled:
        titles = {c.title: check_title(c, lang) for r in filled for c in r.checks}
        lines += [f"## {t('summary:failed_most')}", "", t("summary:failed_header"), "| --- | ---: | ---: |"]
        lines += [f"| {markdown(titles[title])} | {n} | {n / len(filled):.0%} |"
                  for title, n in _failures(filled).most_common(TOP) if n]
        lines += ["", f"![{t('summary:failure_chart')}]({FAILURES})", ""]
        lines += _diagnoses(filled, lang, t)
    return "\n".join(lines + _similar(pairs, threshold, t) + _not_graded(rows, t))


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


def _similar(pairs, threshold, t):
    """The pairs at or above ``threshold``, the most similar side by side, region by region."""
    lines = [f"## {t('summary:similarity')}", ""]
    flagged = [p for p in pairs if p.score >= threshold]
    if not flagged:
        best = f"{pairs[0].score:.2f}" if pairs else "–"
        return lines + [t("summary:similarity_none", threshold=f"{threshold:.2f}", best=best), ""]
    lines += [t("summary:similarity_intro", count=len(flagged), threshold=f"{threshold:.2f}",
                shown=min(len(flagged), TOP_PAIRS)), ""]
    for pair in flagged[:TOP_PAIRS]:
        a, b = (" ".join(x for x in (r.entry.student_id, r.entry.name) if x) for r in (pair.a, pair.b))
        lines += [f"### {markdown(t('summary:similarity_pair', score=f'{pair.score:.2f}', a=a, b=b))}", ""]
        for rid in pair.shared:
            code = side_by_side(f"# {a}\n{pair.code_a[rid]}", f"# {b}\n{pair.code_b[rid]}")
            ticks = fence(code)
            lines += [f"{markdown(rid)}:", "", f"{ticks}text", *code, ticks, ""]
    return lines


def _not_graded(rows, t):
    missing = [row for row in rows if row.report is None]
    if not missing:
        return []
    lines = [f"## {t('summary:not_graded')}", "", t("summary:not_graded_header"), "| --- | --- | --- |"]
    return lines + [f"| {markdown(r.entry.label)} | {status(r.entry)} | {markdown(r.entry.reason)} |" for r in missing]


# --- pictures -------------------------------------------------------------------------------------------

def _histogram(values, top, width, axes=None, title=None):
    """A histogram of ``values`` (points out of ``top``) in bars of ``width``, the last one the full marks;
    on ``axes`` (a panel of a larger figure) or on a figure of its own."""
    figure = None
    if axes is None:
        figure = Figure(figsize=(6, 3.5), layout="constrained")
        axes = figure.add_subplot()
    axes.hist(values, bins=[i * width for i in range(int(top / width) + 2)], edgecolor="white")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set(title=title or f"Total scores ({len(values)} students)", xlabel=f"points out of {out_of(top)}",
             ylabel="students")
    return figure


def _section_histograms(reports):
    figure = Figure(figsize=(3 * len(SCORED), 3), layout="constrained")
    for axes, s in zip(figure.subplots(1, len(SCORED), squeeze=False)[0], SCORED):
        _histogram([_section_points(r, s.name) for r in reports], s.points, SECTION_BIN, axes, s.name)
    figure.suptitle(f"Scores per section ({len(reports)} students)")
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
    figure.suptitle(f"Share of students not passing each check ({graded} graded, stubs left out)")
    return figure


def _png(figure):
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
