"""``grade-all``: a generated class graded end to end; resume after an interruption; bad input as rows.

One graded class (tests/classroom.py) is shared by the module; tests that grade again use small classes
of their own. Stubs grade without a child process, so they make the fast extras.
"""

import csv
import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

import autograder.grade
from autograder import cli, report_io
from autograder.batch import grade_all, store
from autograder.batch.entries import discover, sanitise
from autograder.messages import Msg
from autograder.paths import REPO_ROOT
from autograder.render.text import points
from autograder.report import (FAILED, ArraySummary, CheckResult, Evidence, GradeReport, Location,
                               SectionResult)
from autograder.rubric import SECTIONS
from autograder.sandbox.outcome import OK, TIMED_OUT, Ending
from autograder.submitted_files import MAX_ENTRIES, MAX_FILE_BYTES
from make_submission import upload_name
from tests.classroom import FULL, build_class, zip_bomb
from tests.kits import reference_regions, write_package

TIMEOUT = 3.0             # seconds per section: the hostile entry's child ends at once anyway
SECTION_NAMES = [s.name for s in SECTIONS]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The generated class, graded once: (class folder, OUT, {entry: Expected}, BatchResult)."""
    root = tmp_path_factory.mktemp("class")
    folder, out, scratch = root / "uploads", root / "out", root / "scratch"
    folder.mkdir()
    scratch.mkdir()
    expected = build_class(folder, scratch)
    result = grade_all(folder, out, jobs=2, timeout=TIMEOUT)
    return folder, out, expected, result


def read_gradebook(out):
    raw = (out / "gradebook.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "gradebook.csv starts with a UTF-8 BOM, for Excel"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


class GradeSpy:
    """Wraps the real ``grade`` and records each call's path and options."""

    def __init__(self, monkeypatch, fail_on=None):
        self.calls, self.real, self.fail_on = [], autograder.grade.grade, fail_on
        monkeypatch.setattr(autograder.grade, "grade", self)

    def __call__(self, path, **options):
        self.calls.append((Path(path).name, options))
        if self.fail_on and Path(path).name == self.fail_on:
            raise RuntimeError("the grader tripped on this one")
        return self.real(path, **options)


def small_class(folder, n, texts=None):
    """``n`` upload folders (stubs unless ``texts``); returns their names."""
    folder.mkdir(exist_ok=True)
    names = []
    for i in range(n):
        top = folder / upload_name(f"s{i}", f"30{i:02d}")
        top.mkdir()
        write_package(top, texts or {})
        names.append(top.name)
    return names


def snapshot(folder):
    """{file name: (inode, mtime_ns)} of a student's folder."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


# --- the generated class ------------------------------------------------------------------------------

def test_one_gradebook_row_per_entry_with_the_expected_totals(graded):
    folder, out, expected, result = graded
    rows = read_gradebook(out)
    assert len(rows) == len(expected) == len(list(folder.iterdir())), \
        f"one row per entry: {len(rows)} rows, {len(expected)} entries"
    assert list(rows[0]) == ["name", "id", "entry", *SECTION_NAMES, "total", "status", "flags", "seconds",
                             "similarity", "similar to", "note"], f"columns: {list(rows[0])}"
    for row, batch_row in zip(rows, result.rows):
        entry = batch_row.entry.label
        want = expected[entry]
        assert (row["id"] or None, row["status"]) == (want.student_id, want.status), \
            f"{entry}: id and status {row['id']!r}, {row['status']!r}; expected {want}; note: {row['note']}"
        if want.total is not None:
            assert row["total"] == points(want.total), f"{entry}: total {row['total']}, expected {want.total}"
        if want.loses is not None:
            full = {s.name: points(s.points) for s in SECTIONS}
            lost = [name for name in SECTION_NAMES if row[name] != full[name]]
            assert lost == [want.loses], f"{entry}: sections below full marks {lost}, expected [{want.loses}]"
            total = FULL - (SECTIONS[SECTION_NAMES.index(want.loses)].points - float(row[want.loses]))
            assert row["total"] == points(total), f"{entry}: total {row['total']}, expected {total}"
        if want.reason_word:
            assert want.reason_word in row["note"], f"{entry}: the note says why ({want.reason_word!r}): {row['note']}"
        else:
            assert all(row[name] for name in SECTION_NAMES + ["total"]), f"{entry}: a graded row has every score"


def test_rows_are_sorted_by_id_then_entry_and_the_chinese_name_survives(graded):
    _, out, _, result = graded
    keys = [(r.entry.student_id or "", r.entry.label) for r in result.rows]
    assert keys == sorted(keys), f"rows sorted by id, then entry name: {keys}"
    names = [row["name"] for row in read_gradebook(out)]
    assert "张三" in names and "周七" in names, f"Chinese names read back from the UTF-8 gradebook: {names}"


def test_each_graded_student_has_results_feedback_and_report(graded):
    _, out, _, result = graded
    for row in result.rows:
        if row.report is None:
            continue
        folder = out / row.entry.key
        assert folder.resolve().parent == out.resolve(), f"{row.entry.label}: its folder {folder} is inside OUT"
        stored = store.load(folder)
        assert stored is not None and stored.report == row.report, f"{folder}: report.json holds the row's report"
        results = json.loads((folder / store.RESULTS).read_text(encoding="utf-8"))
        assert results["score"] == row.report.score, f"{folder}: results.json score {results['score']}"
        feedback = (folder / store.FEEDBACK).read_text(encoding="utf-8")
        assert points(row.report.score) in feedback, f"{folder}: feedback.md shows the total"


def test_two_entries_with_one_id_are_both_kept_and_flagged(graded):
    _, out, _, result = graded
    twins = [r for r in result.rows if r.entry.student_id == "2021001"]
    assert len(twins) == 2 and twins[0].entry.key != twins[1].entry.key, \
        f"both entries with id 2021001 kept under distinct keys: {[r.entry.key for r in twins]}"
    assert sorted(r.report.score for r in twins) == [0.0, FULL], "neither merged into the other"
    notes = {row["note"] for row in read_gradebook(out) if row["id"] == "2021001"}
    for twin in twins:
        other = next(t for t in twins if t is not twin).entry.label
        assert any(other in note and twin.entry.label in note for note in notes), \
            f"{twin.entry.label}: its note names the other entry {other}: {notes}"


def test_summary_has_the_statistics_the_failures_and_the_pictures(graded):
    _, out, _, result = graded
    summary = (out / "summary.md").read_text(encoding="utf-8")
    ids = {r.entry.student_id for r in result.rows} - {None}
    graded_ids = {r.entry.student_id for r in result.rows if r.report is not None}
    assert f"{len(ids)} students in {len(result.rows)} entries: {len(graded_ids)} students graded; 1 entries could " \
           f"not be graded, 2 skipped." in summary, f"the counts line counts students (ids), not entries:\n{summary[:300]}"
    assert "Students with more than one graded entry: 1." in summary, f"the two entries of 2021001 are one student:\n{summary[:500]}"
    for name in SECTION_NAMES + ["total"]:
        assert f"\n| {name} |" in summary, f"a statistics line for {name}"
    assert "| ReLU: forward on random inputs |" in summary, "the checks not passed most often are listed"
    assert "## Most common diagnoses" in summary and "| Wu\\_2021008\\_hw1\\_student.zip | error |" in summary, \
        f"diagnoses and the entries not graded:\n{summary}"
    diagnoses = summary.split("## Most common diagnoses")[1].split("##")[0]
    counts = [line.split(" | ")[-2] for line in diagnoses.splitlines()[4:] if line.startswith("| ")]
    assert len(counts) >= 3 and set(counts) == {"1"}, \
        f"each mutant's mistake is diagnosed, once per student however many checks it fails:\n{diagnoses}"
    for png in ("score_histogram.png", "section_histograms.png", "check_failure_rate.png"):
        assert f"]({png})" in summary, f"summary.md embeds {png}"
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is a PNG"


def test_unfilled_stubs_are_counted_apart_from_the_failure_table(graded):
    _, out, _, _ = graded
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Stubs handed in unfilled (0 points): 1." in summary, f"Li Si's stubs are counted apart:\n{summary[:900]}"
    failures = summary.split("## Checks not passed most often")[1].split("##")[0]
    # Only the stubs fail the Model's checks: once they are left out, no Model check is in the table.
    assert "| Model:" not in failures and "| ReLU:" in failures, f"the failure table leaves the stubs out:\n{failures}"


def test_every_row_names_its_entry_and_a_graded_one_its_time(graded):
    folder, out, _, result = graded
    rows = read_gradebook(out)
    assert [row["entry"] for row in rows] == [r.entry.label for r in result.rows], "the entry column names each entry"
    skipped = sorted(row["entry"] for row in rows if row["status"] == "skipped")
    assert skipped == ["homework", "notes.txt"], f"each skipped row says which entry it is: {skipped}"
    for row, batch_row in zip(rows, result.rows):
        if batch_row.report is None:
            assert row["seconds"] == "", f"{row['entry']}: no time for an entry not graded"
        else:
            assert float(row["seconds"]) == round(batch_row.report.execution_time, 2), \
                f"{row['entry']}: seconds {row['seconds']}, the report's {batch_row.report.execution_time}"


def test_the_gradebook_names_each_students_most_similar_other(graded):
    _, out, _, result = graded
    rows = {row["entry"]: row for row in read_gradebook(out)}
    zhang = rows["张三_2021001_hw1_student"]                   # the reference, as 王五's zip holds it too
    assert float(zhang["similarity"]) == 1.0 and zhang["similar to"].startswith("20210"), \
        f"the reference's twin is found: {zhang['similarity']} with {zhang['similar to']}"
    stubs = rows["Li Si_2021002_hw1_student"]
    assert stubs["similarity"] == stubs["similar to"] == "", f"unfilled stubs are like no one: {stubs}"
    listed = (out / "similarity.csv").read_text(encoding="utf-8-sig").splitlines()
    assert listed[0].startswith("similarity,student A,entry A,share of A,") and len(listed) > 1, \
        f"similarity.csv lists the pairs above the threshold:\n{listed[:3]}"


def test_every_stored_report_round_trips_exactly(graded):
    _, out, _, result = graded
    for row in result.rows:
        if row.report is not None:
            again = report_io.load(report_io.dump(row.report))
            # repr shows the fields equality ignores too (execution time).
            assert again == row.report and repr(again) == repr(row.report), f"{row.entry.label}: round trip"


def test_a_second_run_grades_nothing_and_touches_no_student_file(graded, monkeypatch):
    folder, out, _, first = graded
    spy = GradeSpy(monkeypatch)
    before = {r.entry.key: snapshot(out / r.entry.key) for r in first.rows if r.report is not None}
    gradebook = (out / "gradebook.csv").read_bytes()
    again = grade_all(folder, out, jobs=2, timeout=TIMEOUT)
    graded_keys = [k for k in before]
    assert spy.calls == [("Wu_2021008_hw1_student.zip", {"timeout": TIMEOUT, "jobs": 1})], \
        f"only the entry in error is tried again: {spy.calls}"
    assert again.reused == len(graded_keys) and again.graded_now == 1, f"{again.summary_line()}"
    after = {k: snapshot(out / k) for k in graded_keys}
    assert after == before, "no student's files were rewritten (inode and mtime_ns unchanged)"
    assert (out / "gradebook.csv").read_bytes() == gradebook, "the rebuilt gradebook is the same"


# --- report_io ------------------------------------------------------------------------------------------

def test_report_io_round_trips_every_field_kind():
    label = Msg("label:dW")
    check = CheckResult("FullyConnected", "backward", 0.125, 0.5, FAILED,
                        Msg("reason.values", (("label", label), ("n", 3), ("x", 0.5))), Msg("mistake:fc_mean"),
                        None, Evidence(label, (("X", "(6, 4)"),), ArraySummary("(4, 3)", "float64", "[1, 2]"),
                                       ArraySummary("(3, 4)", "float64", "[nan]"), ""),
                        Location("fully_connected:FullyConnected.backward", ("a = 1\n", "b = 2\n"), 2))
    report = GradeReport("张三_1_hw1_student", (SectionResult("FullyConnected", 4.0, (check,), Ending(OK, code=0), 0.25),
                                               SectionResult("odd", math.inf, (), Ending(TIMED_OUT, seconds=1.0))),
                         ("a notice",), "张三", "1", execution_time=1.5)
    again = report_io.load(report_io.dump(report))
    assert again == report and repr(again) == repr(report), f"round trip:\n{again}\n{report}"
    nan = dataclasses.replace(report, sections=(SectionResult("n", float("nan"), ()),))
    assert math.isnan(report_io.load(report_io.dump(nan)).sections[0].max_points), "NaN survives as NaN"


@pytest.mark.parametrize("text, words", [
    ("[1, 2]", "format"),
    (f'{{"format": {report_io.FORMAT}, "report": {{"_type": "os.system"}}}}', "unknown object type"),
    (f'{{"format": {report_io.FORMAT}, "report": {{"_type": "GradeReport", "submission": "x", "sections": [], "evil": 1}}}}', "evil"),
    (f'{{"format": {report_io.FORMAT}, "report": {{"_type": "GradeReport"}}}}', "GradeReport"),
    (f'{{"format": {report_io.FORMAT}, "report": {{"_type": "Msg", "key": "k"}}}}', "no GradeReport"),
    ("{not json", "not JSON"),
])
def test_report_io_refuses_what_is_not_a_report(text, words):
    with pytest.raises(ValueError) as error:
        report_io.load(text)
    assert words in str(error.value), f"the error says why: {error.value}"


# --- resume ---------------------------------------------------------------------------------------------

def test_a_batch_killed_with_sigkill_resumes_without_regrading_or_losing_a_row(tmp_path, monkeypatch, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 4, reference_regions())
    command = [sys.executable, "-m", "autograder", "grade-all", str(folder), "--out", str(out), "-j", "1",
               "--timeout", str(TIMEOUT), "--lang", "en"]
    # A process killed with SIGKILL cleans nothing: its scratch folders go to this test's own tmp.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    child = subprocess.Popen(command, cwd=REPO_ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(scratch)})
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(f"*/{store.REPORT}")) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    done = sorted(p.parent.name for p in out.glob(f"*/{store.REPORT}"))
    assert 1 <= len(done) < len(names), f"killed after the first student and before the last: {done}"
    before = {key: snapshot(out / key) for key in done}
    # The child hashed the grader's sources just now; so must this process (they are being edited nearby).
    store._grader_sources.cache_clear()
    spy = GradeSpy(monkeypatch)
    grade_all(folder, out, jobs=1, timeout=TIMEOUT)
    graded_again = {Path(name).name.split("_")[1] for name, _ in spy.calls}
    assert not graded_again & set(done), f"students done before the kill are not graded again: {spy.calls}"
    assert {key: snapshot(out / key) for key in done} == before, "their files are untouched"
    rows = read_gradebook(out)
    assert [row["total"] for row in rows] == [points(FULL)] * len(names), f"every row present and full: {rows}"


def test_a_changed_submission_is_graded_again_and_force_grades_all(tmp_path, monkeypatch, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 3)
    grade_all(folder, out, jobs=1)
    changed = folder / names[1] / "hw1_student" / "activations.py"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    spy = GradeSpy(monkeypatch)
    grade_all(folder, out, jobs=1)
    assert [name for name, _ in spy.calls] == [names[1]], f"only the changed entry is graded: {spy.calls}"
    spy.calls.clear()
    grade_all(folder, out, jobs=1, force=True)
    assert sorted(name for name, _ in spy.calls) == names, f"--force grades every entry: {spy.calls}"
    spy.calls.clear()
    grade_all(folder, out, jobs=1, timeout=TIMEOUT + 1)
    assert sorted(name for name, _ in spy.calls) == names, f"another timeout is another grader: {spy.calls}"


def test_a_corrupt_report_json_means_graded_again(tmp_path, monkeypatch, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 2)
    grade_all(folder, out, jobs=1)
    (out / "3000" / store.REPORT).write_text('{"format": 1, "report": {', encoding="utf-8")
    spy = GradeSpy(monkeypatch)
    grade_all(folder, out, jobs=1)
    assert [name for name, _ in spy.calls] == [names[0]], f"the corrupt one is graded again: {spy.calls}"


def test_another_language_regrades_nothing_and_renders_every_student_again(tmp_path, monkeypatch, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    small_class(folder, 2)
    grade_all(folder, out, jobs=1, lang="en")
    reports = {key: snapshot(out / key)[store.REPORT] for key in ("3000", "3001")}
    spy = GradeSpy(monkeypatch)
    grade_all(folder, out, jobs=1, lang="zh")
    assert spy.calls == [], f"--lang zh after en grades no one: {spy.calls}"
    for key in reports:
        assert snapshot(out / key)[store.REPORT] == reports[key], f"{key}: report.json is stored once, never rewritten"
        feedback = (out / key / store.FEEDBACK).read_text(encoding="utf-8")
        results = json.loads((out / key / store.RESULTS).read_text(encoding="utf-8"))
        assert feedback.startswith("# hw1 作业反馈"), f"{key}: feedback.md in Chinese:\n{feedback[:200]}"
        assert "未实现" in json.dumps(results["tests"], ensure_ascii=False), f"{key}: results.json in Chinese: {results}"
    assert "## 成绩" in (out / "summary.md").read_text(encoding="utf-8"), "the summary in Chinese"
    grade_all(folder, out, jobs=1, lang="en")
    assert spy.calls == [] and "not implemented yet" in (out / "3000" / store.RESULTS).read_text(encoding="utf-8"), \
        f"back to English, still nothing graded: {spy.calls}"


def test_only_regrades_the_students_named_and_no_one_else(tmp_path, monkeypatch, capsys, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 3)
    grade_all(folder, out, jobs=1)
    before = {key: snapshot(out / key) for key in ("3000", "3002")}
    spy = GradeSpy(monkeypatch)
    grade_all(folder, out, jobs=1, only=["3001"])
    assert [name for name, _ in spy.calls] == [names[1]], f"--only 3001 grades 3001 again, though done: {spy.calls}"
    assert {key: snapshot(out / key) for key in before} == before, "the others' files are untouched"
    late = small_class(tmp_path / "late", 1)[0]
    (tmp_path / "late" / late).rename(folder / late.replace("3000", "3009"))
    spy.calls.clear()
    result = grade_all(folder, out, jobs=1, only=["3000", "3002"])
    assert sorted(name for name, _ in spy.calls) == [names[0], names[2]], f"repeatable, and nothing else: {spy.calls}"
    pending = next(row for row in read_gradebook(out) if row["id"] == "3009")
    assert pending["status"] == "pending" and "--only" in pending["note"], f"the new entry waits: {pending}"
    assert "1 not graded yet" in result.summary_line(), result.summary_line()
    assert cli.main(["grade-all", str(folder), "--out", str(out), "--only", "9999"]) == 2, "an unknown id: exit 2"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "9999" in err, f"one line naming the unknown id: {err!r}"


def test_a_folder_is_removed_once_its_id_is_shared_and_a_tas_own_is_kept(tmp_path, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    small_class(folder, 1)
    grade_all(folder, out, jobs=1)
    (out / "my notes").mkdir()
    assert (out / "3000" / store.REPORT).is_file(), "the student's folder is OUT/3000"
    again = tmp_path / "again"
    twin = small_class(again, 1)[0]
    (again / twin).rename(folder / twin.replace("s0", "s0 second"))
    result = grade_all(folder, out, jobs=1)
    keys = sorted(r.entry.key for r in result.rows)
    assert all(k.startswith("3000-") for k in keys) and len(keys) == 2, f"two entries share id 3000: {keys}"
    assert not (out / "3000").exists(), "OUT/3000 is gone once the id's folders are 3000-<entry>"
    assert (out / "my notes").is_dir(), "a folder the index never named is left alone"


# --- one entry never stops the batch --------------------------------------------------------------------

def test_an_unexpected_error_in_one_entry_is_its_row_only(tmp_path, monkeypatch, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 3)
    spy = GradeSpy(monkeypatch, fail_on=names[1])
    result = grade_all(folder, out, jobs=2)
    assert all(options == {"timeout": autograder.grade.DEFAULT_TIMEOUT, "jobs": 1} for _, options in spy.calls), \
        f"with -j 2 each submission's sections run one at a time: {spy.calls}"
    rows = read_gradebook(out)
    assert [row["status"] for row in rows] == ["graded", "error", "graded"], f"statuses: {rows}"
    assert "RuntimeError: the grader tripped on this one" in rows[1]["note"], f"the note: {rows[1]['note']}"
    assert result.count("error") == 1, result.summary_line()


def test_bad_entries_become_rows_with_a_reason(tmp_path, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    folder.mkdir()
    (folder / "dangling_4001_hw1_student").symlink_to(tmp_path / "nowhere")
    os.mkfifo(folder / "fifo_4002_hw1_student.zip")
    zip_bomb(folder / "bomb_4003_hw1_student.zip", size=4 * MAX_FILE_BYTES)
    with zipfile.ZipFile(folder / "many_4004_hw1_student.zip", "w") as z:
        for i in range(MAX_ENTRIES + 1):
            z.writestr(f"f{i}", b"")
    (folder / "README.md").write_text("# not a submission\n", encoding="utf-8")
    (folder / "empty_4005_hw1_student").mkdir()
    for name in ("dots_.._hw1_student", "=HYPERLINK(1)_4006_hw1_student", "esc_\x1b[31m_hw1_student"):
        (folder / name).mkdir()
        write_package(folder / name, {})
    result = grade_all(folder, out, jobs=2)
    rows = {r.entry.label: r for r in result.rows}
    csv_rows = read_gradebook(out)
    assert len(csv_rows) == len(list(folder.iterdir())), f"one row per entry: {[r['note'] for r in csv_rows]}"
    want = {"dangling_4001_hw1_student": ("skipped", "symbolic link"),
            "fifo_4002_hw1_student.zip": ("skipped", "neither a folder nor a regular file"),
            "many_4004_hw1_student.zip": ("error", str(MAX_ENTRIES)),
            "README.md": ("error", "not a submission.md"),
            "empty_4005_hw1_student": ("error", "empty folder")}
    for label, (status, words) in want.items():
        entry = rows[label].entry
        assert entry.status == status and words in entry.reason, \
            f"{label}: {entry.status!r} ({entry.reason}); expected {status!r} with {words!r}"
    bomb = rows["bomb_4003_hw1_student.zip"]
    assert bomb.report is not None and any("not read" in str(n) for n in bomb.report.notices), \
        f"the zip bomb is graded without inflating its member: {bomb.entry.reason} {bomb.report}"
    for label in ("dots_.._hw1_student", "esc_\x1b[31m_hw1_student", "=HYPERLINK(1)_4006_hw1_student"):
        key = rows[label].entry.key
        assert (out / key).resolve().parent == out.resolve(), f"{label!r}: its folder {key!r} stays inside OUT"
    cells = [cell for row in csv_rows for cell in row.values()]
    assert "'=HYPERLINK(1)" in cells and not any(c.startswith("=") for c in cells), "no cell is a formula"
    assert not any("\x1b" in c for c in cells), "no control character reaches the gradebook"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode")
def test_an_unreadable_entry_is_a_row_with_its_reason(tmp_path, no_pictures):
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 2)
    (folder / names[0]).chmod(0)
    try:
        result = grade_all(folder, out, jobs=1)
    finally:
        (folder / names[0]).chmod(0o755)
    row = next(r for r in result.rows if r.entry.label == names[0])
    assert row.entry.status == "error" and "cannot be read" in row.entry.reason, row.entry


def test_an_entry_that_fails_to_read_is_a_row_with_its_reason(tmp_path, monkeypatch, no_pictures):
    """What a chmod 000 entry does where the tests run as root (who reads it anyway)."""
    folder, out = tmp_path / "uploads", tmp_path / "out"
    names = small_class(folder, 2)
    real = store.entry_fingerprint

    def refuse(path):
        if Path(path).name == names[0]:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(store, "entry_fingerprint", refuse)
    rows = read_gradebook(grade_all(folder, out, jobs=1).written[0].parent)
    assert [(row["status"], "Permission denied" in row["note"]) for row in rows] == \
        [("error", True), ("graded", False)], f"the unreadable entry is a row, the other graded: {rows}"


@pytest.mark.parametrize("text, key", [("2021001", "2021001"), ("..", "_"), ("a/../b", "a_b"), ("", "_"),
                                       ("x\x00\ny", "x_y"), ("学号12", "学号12"),
                                       ("gradebook.csv", "gradebook_csv")])
def test_sanitise_keeps_keys_inside_out(text, key):
    assert sanitise(text) == key, f"sanitise({text!r}) = {sanitise(text)!r}, expected {key!r}"


def test_ids_that_sanitise_alike_get_distinct_keys_stable_across_runs(tmp_path):
    for name in ("a_x?y_hw1_student", "b_x!y_hw1_student", "c_X_Y_hw1_student", "d_x_y_hw1_student.zip"):
        (tmp_path / name).mkdir()
    keys = [e.key for e in discover(tmp_path)]
    assert len({k.casefold() for k in keys}) == 4, f"distinct keys, whatever the file system's case rule: {keys}"
    assert [e.key for e in discover(tmp_path)] == keys, "the same keys on the next run, so resume finds them"


# --- the command line -----------------------------------------------------------------------------------

def test_an_empty_folder_gives_a_header_only_gradebook_and_exit_0(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "empty" / "results"            # OUT inside DIR is not one of its entries
    for _ in range(2):
        assert cli.main(["grade-all", str(tmp_path / "empty"), "--out", str(out)]) == 0, "an empty class: exit 0"
    assert read_gradebook(out) == [], "the gradebook has its header only"
    assert (out / "gradebook.csv").read_text(encoding="utf-8-sig").startswith("name,id,entry,ReLU,"), "the header"
    assert "No submissions were graded." in (out / "summary.md").read_text(encoding="utf-8"), "the summary says so"
    printed = capsys.readouterr().out
    assert "0 entries: 0 graded" in printed and f"wrote {out / 'gradebook.csv'}" in printed, printed


def test_a_dir_that_is_not_a_folder_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    for target in (tmp_path / "file.txt", tmp_path / "missing"):
        assert cli.main(["grade-all", str(target), "--out", str(tmp_path / "out")]) == 2, f"{target}: exit 2"
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a folder" in err and str(target) in err, f"one line: {err!r}"


def test_an_out_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "uploads").mkdir()
    (tmp_path / "blocker").write_text("a file where OUT's parent should be", encoding="utf-8")
    out = tmp_path / "blocker" / "out"
    assert cli.main(["grade-all", str(tmp_path / "uploads"), "--out", str(out)]) == 2, "exit 2"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err, f"one line: {err!r}"


def test_the_summary_speaks_the_tas_language(graded):
    from autograder.batch.summary import render_summary
    _, _, _, result = graded
    chinese, english = render_summary(result.rows, "zh"), render_summary(result.rows, "en")
    for words in ("# hw1：全班情况", "## 成绩", "## 未通过人数最多的检查项", "## 最常见的错误", "## 未评分的项"):
        assert words in chinese, f"{words!r} in the Chinese summary:\n{chinese}"
    assert "Scores" not in chinese and "## Scores" in english, "one language per summary"
