"""submission.md: the exact round trip, a tolerant reader, and the ``make_submission.py`` command."""

import json
import random
import shutil
import subprocess
import sys
import zipfile

import pytest

import make_submission
from regions import (MANIFEST, TITLE, RegionError, Submission, parse_submission, read_source, render_submission,
                     split_lines, text_hash)

from autograder.paths import REPO_ROOT
from autograder.rubric import SECTIONS
from tests import kits


@pytest.fixture
def finished(tmp_path, monkeypatch):
    """A working folder whose hw1_student/ holds the reference's region texts; the cwd is that folder."""
    kits.write_package(tmp_path, kits.reference_regions())
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def stubs(tmp_path, monkeypatch):
    """A working folder whose hw1_student/ is the fresh handout; the cwd is that folder."""
    kits.write_package(tmp_path, {})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args):
    """``make_submission.main`` with ``args``: (exit code, stdout lines, stderr lines)."""
    code = make_submission.main(["--name", "张三", "--id", "2024001", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def line_of(path, needle, occurrence=1):
    """The 1-based number of the ``occurrence``-th line of ``path`` that contains ``needle``."""
    hits = [n for n, line in enumerate(split_lines(read_source(path)), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{path} has {len(hits)} lines with {needle!r}; the test is out of date"
    return hits[occurrence - 1]


# --- the round trip --------------------------------------------------------------------------------

ALPHABET = list("abcxyzXYZ019 _=+-*/()[]{}:;.,<>!?@$%^&|~\\") + [
    "#", "##", "###", "`", "``", "```", "````", "'", '"', '"""', "\t", "  ", "    ", "张", "三", "梯度",
    "损失函数", "😀", "🚀", "é", "ß", "\u00a0", "\u200b", "\x0c", "\u2028", "\x85", "\r", "-->", "<!--"]
TRICKY_LINES = [
    "```\n", "```python\n", "````python\n", "``````\n", "~~~\n", "    ```python  \n", "\n", "   \n", "\t\n",
    "<!-- region activations:ReLU.forward sha256=" + "0" * 64 + " -->\n",
    "<!-- region x:y sha256=" + text_hash("") + " -->\n",
    "- name: 李四\n", "- id: 1\n", "## losses.py\n", "### models:NeuralNetwork.forward\n", TITLE + "\n",
    "        raise NotImplementedError(\"m:f\")\n", "        s = '```'  # ``` 三个反引号\n",
]


def random_line(rng):
    if rng.random() < 0.3:
        return rng.choice(TRICKY_LINES)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30))) + "\n"


def random_text(rng):
    """Whole lines, each ending in "\\n"; sometimes none at all."""
    return "".join(random_line(rng) for _ in range(rng.choice([0, 1, 1, 2, 3, 5, 8, 13])))


def random_word(rng, letters):
    return "".join(rng.choice(letters) for _ in range(rng.randrange(1, 12)))


NAME_LETTERS = list("abcXYZ -'.·") + ["张", "三", "欧阳", "娜", "é", "ü", "😀", "\t", "_", "#", "`", "<!--"]
ID_LETTERS = list("0123456789abcX-") + ["号", " "]
IDENT = list("abcdefxyzW_") + ["前", "向", "é"]


def random_submission(rng, n_regions):
    modules = [random_word(rng, IDENT) for _ in range(3)]
    regions = {}
    while len(regions) < n_regions:
        rid = f"{rng.choice(modules)}:{random_word(rng, IDENT)}.{random_word(rng, IDENT)}"
        rid += rng.choice(["", "", "#2", "#3"])
        regions[rid] = random_text(rng)
    return Submission(random_word(rng, NAME_LETTERS), random_word(rng, ID_LETTERS),
                      rng.choice(["2024-10-01 08:00 UTC", "", "昨天 😀"]), regions)


@pytest.mark.parametrize("seed", range(25))
def test_round_trip_is_exact(seed):
    """25 seeds x 12 regions: 300 generated region texts come back exactly, with their names and ids."""
    sub = random_submission(random.Random(seed), 12)
    text = render_submission(sub)
    back = parse_submission(text)
    assert back.problems == [], f"seed {seed}: a clean submission gave problems {[str(p) for p in back.problems]}"
    assert (back.name, back.student_id, back.date) == (sub.name, sub.student_id, sub.date), \
        f"seed {seed}: header {back.name!r}, {back.student_id!r}, {back.date!r}"
    assert list(back.regions) == list(sub.regions), f"seed {seed}: ids or their order changed"
    for rid, want in sub.regions.items():
        assert back.regions[rid] == want, f"seed {seed}: region {rid!r} came back {back.regions[rid]!r}, want {want!r}"
    assert render_submission(back) == text, f"seed {seed}: rendering the parsed submission changed the text"


@pytest.mark.parametrize("text", [
    "", "\n", "  \n\t \n", "```\n", "``````````\n", "x = '`'\n", "<!-- region a:b sha256=" + "f" * 64 + " -->\n```python\n",
    "    名字 = '张三'  # 😀\n", "\x0c\n", "a\rb\n", "a\r\n", "\u2028\n", "# hw1 submission\n- name: x\n"],
    ids=lambda t: repr(t)[:30])
def test_round_trip_of_edge_texts(text):
    sub = Submission("欧阳娜娜", "2024001", "2024-10-01", {"m:f": text, "m:g": text})
    back = parse_submission(render_submission(sub))
    assert back.regions == sub.regions and back.problems == [], \
        f"{text!r} came back as {back.regions}, problems {[str(p) for p in back.problems]}"


def test_the_fence_outgrows_the_longest_backtick_run():
    text = "a = '" + "`" * 7 + "'\n"
    rendered = render_submission(Submission("n", "1", "d", {"m:f": text}))
    assert "`" * 8 + "python\n" in rendered, "the fence must be longer than any run of backticks in the text"


@pytest.mark.parametrize("sub, words", [
    (Submission("a\nb", "1", "d", {}), "newline"), (Submission("a", "1\n", "d", {}), "newline"),
    (Submission("a", "1", "d", {"m:f": "x = 1"}), "whole lines"), (Submission("a", "1", "d", {"no id": ""}), "id")],
    ids=["name", "id", "text", "region id"])
def test_render_refuses_what_would_not_come_back(sub, words):
    with pytest.raises(ValueError, match=words):
        render_submission(sub)


# --- a tolerant reader ------------------------------------------------------------------------------

def three_regions():
    return Submission("张三", "2024001", "2024-10-01 08:00 UTC",
                      {"m:f": "    a = 1\n", "m:g": "    b = '```'\n    c = 3\n", "n:h": "    d = 4\n"})


def comment_line(lines, rid):
    """The 1-based line of region ``rid``'s comment."""
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(f"<!-- region {rid} "))


@pytest.mark.parametrize("text", ["", "hello\n", "## activations.py\n", "\n# hw1 submission\n"],
                         ids=["empty", "other", "no title", "title on line 2"])
def test_only_a_missing_title_raises(text):
    with pytest.raises(RegionError, match="not a submission.md") as info:
        parse_submission(text, "up/submission.md")
    assert str(info.value).startswith("up/submission.md:1: "), f"message {str(info.value)!r}"


def test_windows_line_ends_and_bom_are_read():
    sub = three_regions()
    back = parse_submission("\ufeff" + render_submission(sub).replace("\n", "\r\n"))
    assert back.regions == sub.regions and back.name == "张三" and back.problems == [], \
        f"CRLF + BOM: {back.regions}, problems {[str(p) for p in back.problems]}"


def test_a_duplicated_region_keeps_the_first_and_names_both_lines():
    text = render_submission(three_regions())
    dup = render_submission(Submission("x", "y", "z", {"m:f": "    a = 99\n"})).split("## m.py\n", 1)[1]
    lines = split_lines(text + "\n" + dup)
    first = comment_line(lines, "m:f")
    second = max(n for n, line in enumerate(lines, start=1) if line.startswith("<!-- region m:f "))
    back = parse_submission("".join(lines))
    assert back.regions["m:f"] == "    a = 1\n", f"the first copy should be graded: {back.regions['m:f']!r}"
    assert set(back.regions) == {"m:f", "m:g", "n:h"}, f"regions: {sorted(back.regions)}"
    [problem] = back.problems
    assert problem.region == "m:f" and not problem.fatal, f"problem: {problem}"
    assert f"{first} and {second}" in problem.message and problem.line == second, f"problem: {problem}"


def test_every_truncation_keeps_the_closed_regions():
    sub = three_regions()
    lines = split_lines(render_submission(sub))
    for cut in range(1, len(lines) + 1):
        back = parse_submission("".join(lines[:cut]))
        for rid, text in back.regions.items():
            assert text == sub.regions[rid], f"cut after line {cut}: {rid} came back {text!r}"
        for rid in sub.regions:
            start = comment_line(lines, rid)
            closed = start + 2 + len(split_lines(sub.regions[rid]))      # the line of its closing fence
            if cut >= closed:
                assert rid in back.regions, f"cut after line {cut}: {rid}, closed at line {closed}, was lost"
            elif cut >= start + 1:
                fatal = [p for p in back.problems if p.region == rid and p.fatal]
                assert fatal and fatal[0].line == start and "truncated" in fatal[0].message, \
                    f"cut after line {cut}: {rid} opened at {start} should be reported truncated: " \
                    f"{[str(p) for p in back.problems]}"


@pytest.mark.parametrize("seed", range(20))
def test_a_deleted_line_never_stops_the_reader_nor_changes_a_region_silently(seed):
    rng = random.Random(1000 + seed)
    sub = random_submission(rng, 6)
    lines = split_lines(render_submission(sub))
    gone = rng.randrange(1, len(lines))
    del lines[gone]
    back = parse_submission("".join(lines))                     # must not raise: the title is still there
    flagged = {p.region for p in back.problems}
    for rid in set(back.regions) & set(sub.regions):
        assert back.regions[rid] == sub.regions[rid] or rid in flagged, \
            f"seed {seed}, line {gone + 1} deleted: {rid!r} changed without a problem saying so"


def test_a_lost_closing_fence_costs_only_its_region():
    sub = three_regions()
    lines = split_lines(render_submission(sub))
    start_g = comment_line(lines, "m:g")
    close_g = start_g + 2 + 2
    assert lines[close_g - 1] == "````\n", f"line {close_g} should be m:g's closing fence: {lines[close_g - 1]!r}"
    del lines[close_g - 1]
    back = parse_submission("".join(lines))
    assert back.regions == {"m:f": "    a = 1\n", "n:h": "    d = 4\n"}, f"regions: {back.regions}"
    [problem] = back.problems
    assert (problem.region, problem.line, problem.fatal) == ("m:g", start_g, True), f"problem: {problem}"
    assert f"before the region at line {comment_line(lines, 'n:h')}" in problem.message, f"problem: {problem}"


def test_a_comment_without_its_block_costs_only_its_region():
    lines = split_lines(render_submission(three_regions()))
    start = comment_line(lines, "m:g")
    lines[start] = "python\n"                                  # the fence line, mangled
    back = parse_submission("".join(lines))
    assert set(back.regions) == {"m:f", "n:h"}, f"regions: {sorted(back.regions)}"
    assert [(p.region, p.line, p.fatal) for p in back.problems] == [("m:g", start, True)], \
        f"problems: {[str(p) for p in back.problems]}"


def test_a_hand_edited_region_is_kept_with_a_warning():
    text = render_submission(three_regions()).replace("    a = 1\n", "    a = 2\n")
    back = parse_submission(text)
    assert back.regions["m:f"] == "    a = 2\n", f"the edited text is what is graded: {back.regions['m:f']!r}"
    assert [(p.region, p.fatal) for p in back.problems] == [("m:f", False)] and "edited" in back.problems[0].message, \
        f"problems: {[str(p) for p in back.problems]}"


@pytest.mark.parametrize("header, name, sid, missing", [
    ("- name: 张三\n- date: d\n", "张三", "", ["id"]),
    ("- name:\n- id: 7\n- date: d\n", "", "7", []),
    ("name = 张三\n", "", "", ["name", "id", "date"]),
    ("- name: a\n- name: b\n- id: 1\n- date: d\n", "a", "1", []),
], ids=["no id", "empty name", "no list", "two names"])
def test_a_malformed_header_is_a_problem_not_an_error(header, name, sid, missing):
    body = render_submission(three_regions()).split("## m.py\n", 1)[1]
    back = parse_submission(f"{TITLE}\n\n{header}\n## m.py\n{body}")
    assert (back.name, back.student_id) == (name, sid), f"header read as {back.name!r}, {back.student_id!r}"
    assert set(back.regions) == {"m:f", "m:g", "n:h"}, f"the regions must still be read: {sorted(back.regions)}"
    said = " | ".join(str(p) for p in back.problems)
    for key in missing:
        assert f"'- {key}:'" in said, f"no problem names the missing {key!r}: {said}"
    assert all(not p.fatal for p in back.problems), f"header problems are not fatal: {said}"
    assert bool(back.problems) == bool(missing or header.count("- name:") > 1), f"problems: {said}"


# --- the command ------------------------------------------------------------------------------------

def test_a_finished_package_gives_every_region_and_no_warning(finished, capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == [], f"exit {code}, stderr {err}"
    sub = parse_submission((finished / "submission.md").read_text(encoding="utf-8"))
    assert sub.regions == kits.reference_regions(), f"regions differ: {sorted(set(sub.regions) ^ set(kits.reference_regions()))}"
    assert (sub.name, sub.student_id, sub.problems) == ("张三", "2024001", []), f"header {sub}"
    graded = sum(len(s.regions) for s in SECTIONS if s.points)
    practice = sum(len(s.regions) for s in SECTIONS if s.practice)
    optional = sum(len(s.regions) for s in SECTIONS if not s.points and not s.practice)
    assert out == [f"wrote submission.md: {graded} of {graded} graded regions filled, practice {practice} of "
                   f"{practice}, optional {optional} of {optional}"], f"stdout {out}"


def test_the_count_follows_the_manifests_lists(stubs, capsys):
    manifest_path = stubs / "hw1_student" / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    practice = sorted(rid for s in SECTIONS if s.name == "Sigmoid" for rid in s.regions)
    assert manifest["practice"] == practice, f"the handout's manifest names the practice regions: {manifest}"
    code, out, err = run(capsys)
    graded = sum(len(s.regions) for s in SECTIONS if s.points)
    optional = len(manifest["optional"]) - len(practice)
    assert code == 0 and out == [f"wrote submission.md: 0 of {graded} graded regions filled, practice 0 of "
                                 f"{len(practice)}, optional 0 of {optional}"], f"exit {code}, stdout {out}"


def test_the_stubs_warn_per_graded_region_and_note_the_optional_ones_once(stubs, capsys):
    code, out, err = run(capsys)
    assert code == 0, f"warnings must not stop it: exit {code}, stderr {err}"
    ids = sorted(kits.reference_regions())
    optional = sorted(rid for s in SECTIONS if not s.points for rid in s.regions)
    for rid in sorted(set(ids) - set(optional)):
        hits = [line for line in err if f"{rid} is not filled in yet" in line]
        assert len(hits) == 1 and hits[0].startswith("make_submission: warning: hw1_student/"), \
            f"{rid}: warnings {hits}"
    notes = [line for line in err if line.startswith("make_submission: note:")]
    assert len(notes) == 1 and all(rid in notes[0] for rid in optional) and "0 points" in notes[0], \
        f"one note names the optional regions: {notes}"
    assert len(err) == len(ids) - len(optional) + 1, f"one warning per graded region, one note: {err}"
    sub = parse_submission((stubs / "submission.md").read_text(encoding="utf-8"))
    assert sorted(sub.regions) == ids and sub.problems == [], f"submission.md regions {sorted(sub.regions)}"


def test_edits_outside_the_regions_give_a_warning(finished, capsys):
    path = finished / "hw1_student" / "losses.py"
    path.write_text(read_source(path).replace("Softmax cross-entropy", "My cross-entropy"), encoding="utf-8")
    code, _, err = run(capsys)
    assert code == 0 and (finished / "submission.md").is_file(), f"exit {code}: a warning must not stop it"
    assert err == ["make_submission: warning: hw1_student/losses.py: changed outside the YOUR CODE regions; "
                   "only the regions are graded, the rest comes from the handout"], f"stderr {err}"


def break_begin_without_end(pkg):
    path = pkg / "models.py"
    lines = split_lines(read_source(path))
    del lines[line_of(path, "### END YOUR CODE ###", 2) - 1]          # the last END of the file
    path.write_text("".join(lines), encoding="utf-8")
    return f"hw1_student/models.py:{line_of(path, '### BEGIN YOUR CODE ###', 2)}: ", "without a matching"


def break_nested_begin(pkg):
    path = pkg / "activations.py"
    opened = line_of(path, "### BEGIN YOUR CODE ###", 3)               # ReLU.forward's
    lines = split_lines(read_source(path))
    del lines[line_of(path, "### END YOUR CODE ###", 3) - 1]
    path.write_text("".join(lines), encoding="utf-8")
    return f"hw1_student/activations.py:{line_of(path, '### BEGIN YOUR CODE ###', 4)}: ", \
        f"inside the region opened at line {opened}"


def break_syntax(pkg):
    path = pkg / "activations.py"
    path.write_text(read_source(path).replace("Y = np.maximum(0.0, Z)", "Y = np.maximum(0.0, Z"), encoding="utf-8")
    return f"hw1_student/activations.py:{line_of(path, 'Y = np.maximum(0.0, Z')}: ", \
        "syntax error in region activations:ReLU.forward"


def break_encoding(pkg):
    path = pkg / "models.py"
    data = read_source(path).encode("utf-8").replace(b"# The output of each layer", b"# The output \xe9", 1)
    path.write_bytes(data)
    line = data[:data.index(b"\xe9")].count(b"\n") + 1
    return f"hw1_student/models.py:{line}: ", "not UTF-8"


def break_missing_module(pkg):
    (pkg / "losses.py").unlink()
    return "hw1_student/losses.py: ", "missing"


def break_missing_manifest(pkg):
    (pkg / MANIFEST).unlink()
    return f"hw1_student/{MANIFEST}: ", "missing"


def break_bad_manifest(pkg):
    (pkg / MANIFEST).write_text('{"modules": []}', encoding="utf-8")
    return f"hw1_student/{MANIFEST}: ", "not the handout's manifest"


def break_end_without_begin(pkg):
    path = pkg / "losses.py"
    path.write_text(read_source(path).replace("### BEGIN YOUR CODE ###\n        # Read back what forward", "# Read back what forward"),
                    encoding="utf-8")
    return f"hw1_student/losses.py:{line_of(path, '### END YOUR CODE ###', 2)}: ", "without a"


def break_malformed_marker(pkg):
    path = pkg / "fully_connected.py"
    line = line_of(path, "### BEGIN YOUR CODE ###", 2)
    lines = split_lines(read_source(path))
    lines[line - 1] = lines[line - 1].replace("### BEGIN YOUR CODE ###", "## BEGIN YOUR CODE")
    path.write_text("".join(lines), encoding="utf-8")
    return f"hw1_student/fully_connected.py:{line}: ", "malformed marker"


BAD_INPUTS = {f.__name__.removeprefix("break_"): f for f in [
    break_begin_without_end, break_nested_begin, break_end_without_begin, break_malformed_marker, break_syntax, break_encoding,
    break_missing_module, break_missing_manifest, break_bad_manifest]}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_1_and_nothing_written(finished, capsys, case):
    where, words = BAD_INPUTS[case](finished / "hw1_student")
    code, out, err = run(capsys)
    assert code == 1, f"{case}: exit {code}"
    assert len(err) == 1, f"{case}: want one line, got {err}"
    assert err[0].startswith(f"make_submission: error: {where}") and words in err[0], \
        f"{case}: {err[0]!r} should name {where!r} and say {words!r}"
    assert out == [], f"{case}: stdout {out}"
    left = sorted(p.name for p in finished.iterdir() if p.name != "hw1_student")
    assert left == [], f"{case}: files left behind: {left}"


def test_a_failed_run_removes_the_old_submission_and_zip(finished, capsys):
    old_zip = finished / "张三_2024001_hw1_student.zip"
    run(capsys)
    old_zip.write_bytes(b"old zip")
    break_syntax(finished / "hw1_student")
    code, _, err = run(capsys, "--zip")
    assert code == 1, f"exit {code}"
    assert not (finished / "submission.md").exists(), "a submission.md that no longer matches the code must go"
    assert not old_zip.exists(), "a zip that no longer matches the code must not stay behind"
    assert len(err) == 3 and all("removed the old" in e for e in err[1:]), f"stderr {err}"


def test_a_failed_run_leaves_an_out_file_that_is_not_a_submission(finished, capsys):
    (finished / "notes.md").write_text("my notes\n", encoding="utf-8")
    break_syntax(finished / "hw1_student")
    code, _, err = run(capsys, "--out", "notes.md")
    assert code == 1 and (finished / "notes.md").read_text(encoding="utf-8") == "my notes\n", \
        f"exit {code}: a mistyped --out must never be deleted; stderr {err}"


@pytest.mark.parametrize("flag, value", [("--name", "a/b"), ("--name", "  "), ("--id", "12:3"), ("--id", "1\t2"),
                                         ("--name", "张 三"), ("--name", "Zoë O'Neil"), ("--id", "2024 001"),
                                         ("--name", "张\u3000三")])
def test_names_that_cannot_be_a_file_name_are_refused(finished, capsys, flag, value):
    args = {"--name": "张三", "--id": "2024001", flag: value}
    code = make_submission.main([k for pair in args.items() for k in pair])
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith(f"make_submission: error: {flag}: "), \
        f"{flag} {value!r}: exit {code}, stderr {err}"
    assert "without spaces" in err[0], f"the line says how to write it: {err[0]!r}"
    assert not (finished / "submission.md").exists(), "nothing may be written"


def test_a_refused_name_leaves_the_last_submission_alone(finished, capsys):
    run(capsys)
    before = (finished / "submission.md").read_bytes()
    code = make_submission.main(["--name", "张 三", "--id", "2024001"])
    assert code == 1 and (finished / "submission.md").read_bytes() == before, \
        f"exit {code}: a typo in --name says nothing about the code; the last submission.md stays"


def test_a_submission_needs_a_name_and_an_id_a_check_does_not(finished, capsys):
    with pytest.raises(SystemExit) as info:
        make_submission.main(["--id", "2024001"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--name and --id are required" in err and "--check" in err, f"stderr {err!r}"
    assert make_submission.main(["--check"]) == 0, "--check needs neither"


def test_the_pictures_report_md_links_are_packed_or_named(finished, tmp_path, capsys):
    for rel in ("runs/curves.png", "figs/a b.png"):
        (finished / rel).parent.mkdir(exist_ok=True)
        (finished / rel).write_bytes(b"\x89PNG " + rel.encode())
    (tmp_path.parent / "outside.png").write_bytes(b"\x89PNG")
    (finished / "report.md").write_text(
        "# 报告\n![curves](runs/curves.png)\n![gone](runs/missing.png)\n![out](../outside.png)\n"
        "![web](https://example.org/x.png)\n<img src=\"figs/a%20b.png\" width=300>\n", encoding="utf-8")
    code, _, err = run(capsys, "--zip")
    warned = [e for e in err if "report.md links" in e]
    assert code == 0 and len(warned) == 2, f"exit {code}: a warning for the missing and the outside picture: {err}"
    assert "runs/missing.png" in warned[0] and "../outside.png" in warned[1] and "next to report.md" in warned[1], \
        f"{warned}"
    with zipfile.ZipFile(finished / "张三_2024001_hw1_student.zip") as z:
        top = "张三_2024001_hw1_student/"
        for rel in ("runs/curves.png", "figs/a b.png"):
            assert z.read(top + rel) == (finished / rel).read_bytes(), f"{rel} is not packed where report.md links it"


def test_an_unwritable_output_is_one_line(finished, capsys):
    code, _, err = run(capsys, "--out", "no/such/dir/submission.md")
    assert code == 1 and len(err) == 1 and "cannot write" in err[0], f"exit {code}, stderr {err}"


@pytest.mark.parametrize("name, sid", [("张三", "2024001"), ("Zoë_O'Neil", "A-17"), ("欧阳娜娜😀", "2024号")])
def test_zip_has_the_upload_name_and_folder(finished, name, sid):
    (finished / "report.md").write_text("# 报告\n![curves](curves.png)\n", encoding="utf-8")
    (finished / "curves.png").write_bytes(b"\x89PNG\r\n")
    (finished / "notes.txt").write_text("not for the upload\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(REPO_ROOT / "make_submission.py"), "--name", name, "--id", sid,
                             "--zip"], cwd=finished, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0 and result.stderr == "", f"exit {result.returncode}: {result.stderr}"
    top = f"{name}_{sid}_hw1_student"
    path = finished / f"{top}.zip"
    assert path.is_file(), f"no {path.name}; folder holds {sorted(p.name for p in finished.iterdir())}"
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert all(n.startswith(f"{top}/") for n in names), f"entries outside {top}/: {names}"
        assert z.read(f"{top}/submission.md") == (finished / "submission.md").read_bytes(), \
            "the zip's submission.md differs from the one written"
        package = sorted(p.relative_to(finished).as_posix() for p in (finished / "hw1_student").rglob("*")
                         if p.is_file() and "__pycache__" not in p.parts)
        assert sorted(n.removeprefix(f"{top}/") for n in names) == sorted(package + ["submission.md", "report.md", "curves.png"]), \
            f"entries: {names}"
        for rel in package:
            assert z.read(f"{top}/{rel}") == (finished / rel).read_bytes(), f"{rel} differs in the zip"
    assert f"wrote {top}.zip" in result.stdout, f"stdout {result.stdout!r}"


def test_zip_leaves_out_caches_and_hidden_files(finished, capsys):
    (finished / "hw1_student" / "__pycache__").mkdir()
    (finished / "hw1_student" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (finished / "hw1_student" / ".DS_Store").write_bytes(b"\0")
    code, _, err = run(capsys, "--zip")
    assert code == 0, f"exit {code}: {err}"
    with zipfile.ZipFile(finished / "张三_2024001_hw1_student.zip") as z:
        junk = [n for n in z.namelist() if "__pycache__" in n or "/." in n]
    assert junk == [], f"junk in the upload: {junk}"


def test_zip_entries_carry_a_fixed_time(finished, capsys):
    run(capsys, "--zip")
    with zipfile.ZipFile(finished / "张三_2024001_hw1_student.zip") as z:
        times = {i.date_time for i in z.infolist()}
    assert times == {(1980, 1, 1, 0, 0, 0)}, f"entry times {times}: the same files should give the same zip"


def run_kit_script(kit, cwd):
    """The kit's own copy of make_submission.py (and the region parser beside it), run as a student runs it,
    from ``cwd``."""
    for script in ("make_submission.py", "regions.py", "loop_check.py", "self_check.py"):
        shutil.copy2(REPO_ROOT / script, kit / script)
    return subprocess.run([sys.executable, str(kit / "make_submission.py"), "--name", "张三", "--id", "2024001"],
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def test_run_from_the_folder_above_the_kit_it_uses_the_package_beside_it(tmp_path):
    kit = tmp_path / "hw1"
    kit.mkdir()
    kits.write_package(kit, kits.reference_regions())
    done = run_kit_script(kit, cwd=tmp_path)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr}"
    assert (kit / "submission.md").is_file(), "submission.md is written beside the package"
    assert not (tmp_path / "submission.md").exists(), "not in the folder it was run from"


def test_no_package_anywhere_is_one_line_exit_1_and_nothing_written(tmp_path):
    kit = tmp_path / "hw1"
    kit.mkdir()
    done = run_kit_script(kit, cwd=kit)
    assert done.returncode == 1, f"exit {done.returncode}"
    assert done.stderr.count("\n") == 1 and "hw1_student" in done.stderr and "no such folder" in done.stderr, \
        f"one line naming the folder: {done.stderr!r}"
    assert not (kit / "submission.md").exists(), "nothing written"
