"""The similarity of students' code (``autograder/batch/similarity.py``): calibrated so that correct
solutions by different authors are not flagged and a copy with renamed names and swapped lines is; the
handout's stubs and hints match nothing; grade-all writes similarity.csv, a gradebook column and a
summary section.

The honest authors are the reference and ``tests/styles.py`` (correct solutions in the styles of nine
public solutions of this homework). ``python -m pytest -s tests/test_similarity.py`` prints the scores.
"""

import io
import keyword
import re
import statistics
import time
import tokenize

import pytest

import autograder.grade
from autograder import cli
from autograder.batch import grade_all, similarity
from autograder.batch.entries import GRADED, Entry
from autograder.batch.result import Row
from autograder.gradescope.run import ungraded_report
from autograder.rubric import SECTIONS
from make_submission import upload_name
from tests.kits import reference_regions, write_package

styles = pytest.importorskip("tests.styles")

HONEST = {"reference": reference_regions(), **{name.split(":")[0]: dict(texts) for name, texts in styles.STYLES}}
_KEEP = set(keyword.kwlist) | {"self", "np", "OrderedDict", "float", "int", "len", "range", "reversed", "sum", "max",
                               "min", "zip", "enumerate", "dict", "list", "abs", "isinstance"}


def renamed(text):
    """``text`` with every local name renamed, its layout kept (attributes, builtins, ``np``, ``self`` and
    strings kept)."""
    lines, names, edits, depth = text.split("\n"), {}, [], 0
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in (tokenize.NL, tokenize.COMMENT)]
    for previous, token, after in zip([None, *tokens], tokens, [*tokens[1:], None]):
        depth += (token.string in "([{") - (token.string in ")]}") if token.type == tokenize.OP else 0
        keyword_argument = depth and after is not None and after.string == "="
        if token.type == tokenize.NAME and token.string not in _KEEP and not keyword_argument \
                and (previous is None or previous.string != "."):
            edits.append((token.start, token.end[1], names.setdefault(token.string, f"q{len(names)}_{token.string.lower()}")))
    for (row, start), end, name in reversed(edits):
        lines[row - 1] = lines[row - 1][:start] + name + lines[row - 1][end:]
    return "\n".join(lines)


def swapped(text):
    """``text`` with each pair of adjacent one-line assignments swapped where neither reads or writes what
    the other writes: the same program, its lines moved."""
    lines, i = text.split("\n"), 0
    assignment = re.compile(r"(\s*)([^=#]+?)\s*=(?!=)(.*)")
    while i < len(lines) - 1:
        a, b = assignment.fullmatch(lines[i]), assignment.fullmatch(lines[i + 1])
        if a and b and a[1] == b[1] and not re.match(r"\s*(return|for|if|while)\b", lines[i]) \
                and not any(w.strip() in lines[j] for x, j in ((a, i + 1), (b, i)) for w in x[2].split(",")):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            i += 1
        i += 1
    return "\n".join(lines)


def disguised(regions):
    """A copy as a student hides it: every name renamed, lines swapped, a comment of their own."""
    return {rid: "        # my own work\n" + swapped(renamed(text)) for rid, text in regions.items()}


def make_rows(tmp_path, students):
    """Upload folders of ``students`` ({name: regions}) and their gradebook rows (graded, each its own id)."""
    rows = []
    for i, (name, regions) in enumerate(students.items()):
        top = tmp_path / upload_name(f"s{i}", f"40{i:02d}")
        top.mkdir(parents=True)
        write_package(top, regions)
        rows.append(Row(Entry(top, name, f"40{i:02d}", f"40{i:02d}", GRADED), report=object()))
    return rows


def scores(tmp_path, students):
    """{frozenset of two names: score} for every pair of ``students``."""
    return {frozenset((p.a.entry.name, p.b.entry.name)): p.score for p in similarity.compare(make_rows(tmp_path, students))}


def test_honest_solutions_by_different_authors_are_not_flagged_and_disguised_copies_are(tmp_path):
    honest = scores(tmp_path / "honest", HONEST)
    copies = {}
    for i, (name, regions) in enumerate(HONEST.items()):
        copies[name] = scores(tmp_path / f"copy{i}", {name: regions, "copy": disguised(regions)})[frozenset((name, "copy"))]
    print(f"\nhonest pairs ({len(honest)}): max {max(honest.values()):.2f}, mean {statistics.mean(honest.values()):.2f}; "
          f"highest: {sorted(((s, sorted(p)) for p, s in honest.items()), reverse=True)[:3]}")
    print(f"copies ({len(copies)}): min {min(copies.values()):.2f}, mean {statistics.mean(copies.values()):.2f}: {copies}")
    assert len(honest) == len(HONEST) * (len(HONEST) - 1) // 2, f"every pair of authors is scored: {len(honest)}"
    flagged = {tuple(sorted(pair)): s for pair, s in honest.items() if s >= similarity.THRESHOLD}
    assert flagged == {}, f"honest pairs at or above the threshold {similarity.THRESHOLD}: {flagged}"
    missed = {name: s for name, s in copies.items() if s < similarity.THRESHOLD}
    assert missed == {}, f"disguised copies below the threshold {similarity.THRESHOLD}: {missed}"
    margin = min(copies.values()) - max(honest.values())
    assert margin >= 0.25, f"the threshold sits in a wide gap: honest at most {max(honest.values()):.2f}, " \
                          f"copies at least {min(copies.values()):.2f}"


def test_the_disguise_renames_and_moves_lines():
    original = HONEST["reference"]["fully_connected:FullyConnected.forward"]
    copy = disguised({"r": original})["r"]
    assert 'self.cache["X"]' in copy and " X @ W" not in copy and "q0_w" in copy, f"names renamed:\n{copy}"
    code = lambda text: [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]  # noqa: E731
    assert code(copy) != code(renamed(original)) and sorted(code(copy)) == sorted(code(renamed(original))), \
        f"the same lines, some moved:\n{copy}"


def test_stubs_and_hints_match_nothing(tmp_path):
    stubs = {"a": {}, "b": {}}
    assert similarity.compare(make_rows(tmp_path / "stubs", stubs)) == [], "unfilled stubs are not compared at all"
    raise_lines = {rid: f'        raise NotImplementedError("{rid}")\n' for s in SECTIONS for rid in s.regions}
    # Two authors who left the handout's raise under their code (and its hints above it).
    kept = {name: {rid: text + raise_lines[rid] for rid, text in HONEST[name].items()} for name in ("reference", "buaa 2024")}
    plain = scores(tmp_path / "plain", {n: HONEST[n] for n in kept})
    with_stubs = scores(tmp_path / "kept", kept)
    assert list(with_stubs.values()) == pytest.approx(list(plain.values()), abs=0.05), \
        f"the handout's lines add nothing: {plain} without them, {with_stubs} with them"
    assert similarity.code_of({rid: "        # only the hints\n" for rid in raise_lines}) is None, "a hint is no code"


def test_a_practice_region_is_not_compared():
    practice = next(s for s in SECTIONS if not s.points)
    code = similarity.code_of({practice.regions[0]: "        y = 1\n        return y\n"})
    assert code is None, f"{practice.name} (0 points) is not among the compared regions: {code}"


def test_side_by_side_aligns_chinese_and_escapes_control_characters():
    lines = similarity.side_by_side("# 2021 张三\nx = 1\x1b[31m\n", "# 2022 Li\ny = 2\n", width=20)
    assert [ln.index("|") for ln in lines] == [21 - sum(c == "张" or c == "三" for c in ln) for ln in lines], \
        "the bar is in one column on screen (a Chinese character is two wide):\n" + "\n".join(lines)
    assert "\x1b" not in "".join(lines) and "\\x1b" in lines[1], f"escapes shown, not sent: {lines}"


def fake_grade(path, **options):
    """Grading without children: a report with every check at 0 (similarity does not read the grades)."""
    return ungraded_report(path, "fake", time.monotonic())


def test_grade_all_flags_the_copy_among_honest_students(tmp_path, monkeypatch, capsys, no_pictures):
    monkeypatch.setattr(autograder.grade, "grade", fake_grade)
    folder, out = tmp_path / "uploads", tmp_path / "out"
    folder.mkdir()
    class_ = {name: HONEST[name] for name in list(HONEST)[:4]}
    source = list(class_)[2]
    class_["the copier"] = disguised(HONEST[source])
    for i, (name, regions) in enumerate(class_.items()):
        top = folder / upload_name(f"student{i}", f"50{i:02d}")
        top.mkdir()
        write_package(top, regions)
    grade_all(folder, out, jobs=1)
    listed = (out / "similarity.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(listed) == 2 and "5002 student2" in listed[1] and "5004 student4" in listed[1], \
        f"one pair above the threshold, the copier and the source ({source}):\n" + "\n".join(listed)
    assert float(listed[1].split(",")[0]) >= similarity.THRESHOLD, f"its score: {listed[1]}"
    import csv
    gradebook = list(csv.DictReader((out / "gradebook.csv").read_text(encoding="utf-8-sig").splitlines()))
    copier = next(row for row in gradebook if row["id"] == "5004")
    assert copier["similar to"] == "5002 student2" and float(copier["similarity"]) >= similarity.THRESHOLD, \
        f"the gradebook names the copier's closest: {copier}"
    summary = (out / "summary.md").read_text(encoding="utf-8")
    section = summary.split("## Similar code")[1]
    assert "1 pairs of students have code at least" in section and "### " in section, f"the pair:\n{section[:600]}"
    assert "# 5002 student2" in section and "| # 5004 student4" in section and "q0_" in section, \
        f"the shared regions side by side, the source left, the copy right:\n{section[:1500]}"
    assert cli.main(["grade-all", str(folder), "--out", str(out), "--similarity-threshold", "0"]) == 0, "exit 0"
    listed = (out / "similarity.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(listed) == 1 + 5 * 4 // 2, f"threshold 0 lists every pair: {len(listed) - 1} rows"
    assert "pairs of students" in (out / "summary.md").read_text(encoding="utf-8"), "the summary follows the threshold"
    with pytest.raises(SystemExit) as refused:
        cli.main(["grade-all", str(folder), "--out", str(out), "--similarity-threshold", "1.5"])
    assert refused.value.code == 2 and "from 0 to 1" in capsys.readouterr().err, "a threshold above 1 is refused, saying why"


def test_the_same_class_gives_the_same_scores_in_another_process(tmp_path):
    """Every k-gram is kept (no winnowing window), so Python's per-process string hashing changes nothing."""
    import json
    import subprocess
    import sys
    students = {name: HONEST[name] for name in list(HONEST)[:3]}
    here = scores(tmp_path / "here", students)
    script = ("import json, sys; from pathlib import Path; sys.path.insert(0, '.')\n"
              "from tests.test_similarity import scores, HONEST\n"
              "s = scores(Path(sys.argv[1]), {n: HONEST[n] for n in list(HONEST)[:3]})\n"
              "print(json.dumps(sorted([sorted(p), v] for p, v in s.items())))\n")
    (tmp_path / "there").mkdir()
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "there")], capture_output=True, text=True,
                          timeout=300, env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
                          cwd=str(similarity.REFERENCE_DIR.parents[1]))
    assert done.returncode == 0, f"the other process failed:\n{done.stderr[-2000:]}"
    assert json.loads(done.stdout) == sorted([sorted(p), v] for p, v in here.items()), \
        f"another hash seed, the same scores: {done.stdout} vs {here}"
