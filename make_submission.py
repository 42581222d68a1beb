"""Collect your YOUR CODE regions into ``submission.md``.

    python make_submission.py --name 张三 --id 2024123456          # writes submission.md
    python make_submission.py --name 张三 --id 2024123456 --zip    # and 张三_2024123456_hw1_student.zip

It stops, naming the file and line, when a module is missing, a marker is broken or a file is not UTF-8;
it warns (and still writes) when a region is not filled in, a module has a syntax error, or code outside
the regions was changed (only the regions are graded).

This module is also the kit's one region parser: the handout generator and the autograder import
``find_regions``, ``splice``, ``collect``, ``render_submission`` and ``parse_submission`` from here.

A region is the lines strictly between a ``### BEGIN YOUR CODE ###`` line and the next
``### END YOUR CODE ###`` line, inside one function. Its id is ``<module>:<Qualname>``, e.g.
``fully_connected:FullyConnected.backward``, with ``#2``, ``#3`` for further regions of one function.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

BEGIN_MARKER = "### BEGIN YOUR CODE ###"
END_MARKER = "### END YOUR CODE ###"
MANIFEST = "_handout.json"
PACKAGE = "hw1_student"
TITLE = "# hw1 submission"

_LOOSE_MARKER = re.compile(r"#+\s*(BEGIN|END)\s+YOUR\s+CODE\b.*", re.IGNORECASE)
_SCOPE = re.compile(r"(?:async\s+def|def|class)\s+(\w+)")
_REGION_LINE = re.compile(r"<!-- region (\S+) sha256=([0-9a-f]{64}) -->")
_FENCE = re.compile(r"(`{3,})python")


class RegionError(ValueError):
    """A problem a person must fix, located at ``path:line`` (line may be None)."""

    def __init__(self, path, line, message):
        super().__init__(message)
        self.path, self.line, self.message = str(path), line, message

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Region:
    """One YOUR CODE region of a module.

    ``begin`` and ``end`` are the 1-based lines of its markers; ``text`` is the lines strictly between
    them, each ending in a newline ("" for an empty region).
    """

    id: str
    path: str
    begin: int
    end: int
    indent: str
    text: str

    @property
    def module(self):
        return self.id.split(":", 1)[0]


def split_lines(source):
    """The lines of ``source``, each keeping its newline. Only "\\n" splits: a form feed or U+2028
    inside a string literal is not a line break to Python's tokenizer, so it is not one here either."""
    parts = source.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    return lines + [parts[-1]] if parts[-1] else lines


def text_hash(text):
    """The SHA-256 of a text, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_regions(source, module, path="<source>"):
    """Every region of one module's source, in file order.

    The enclosing function is found from the ``def``/``class`` lines outside the regions and their
    indentation, not from ``ast``: a student's half-written region must not stop the parser.

    Raises RegionError on a malformed marker, a BEGIN without END, an END without BEGIN, a BEGIN inside
    a region, or a region outside any function.
    """
    regions, scopes, seen = [], [], {}
    open_at = None                                   # (line number, indent) of the open BEGIN
    body = []
    for number, line in enumerate(split_lines(source), start=1):
        stripped = line.strip()
        if stripped == BEGIN_MARKER:
            if open_at is not None:
                raise RegionError(path, number, f"{BEGIN_MARKER} inside the region opened at line "
                                                f"{open_at[0]}; close that one first with {END_MARKER}")
            open_at, body = (number, line[:len(line) - len(line.lstrip())]), []
            continue
        if stripped == END_MARKER:
            if open_at is None:
                raise RegionError(path, number, f"{END_MARKER} without a {BEGIN_MARKER} before it")
            qualname = _enclosing_function(scopes, path, open_at[0])
            base = f"{module}:{qualname}"
            seen[base] = seen.get(base, 0) + 1
            rid = base if seen[base] == 1 else f"{base}#{seen[base]}"
            regions.append(Region(rid, str(path), open_at[0], number, open_at[1], "".join(body)))
            open_at = None
            continue
        if _LOOSE_MARKER.fullmatch(stripped):
            wanted = BEGIN_MARKER if "BEGIN" in stripped.upper() else END_MARKER
            raise RegionError(path, number, f"malformed marker {stripped!r}; the line must be exactly {wanted!r}")
        if open_at is not None:
            body.append(line)
        else:
            _track_scope(scopes, line)
    if open_at is not None:
        raise RegionError(path, open_at[0], f"{BEGIN_MARKER} without a matching {END_MARKER}")
    return regions


def _track_scope(scopes, line):
    """Update the stack of enclosing (indent, name, is_function) from one line outside the regions."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return
    indent = len(line) - len(line.lstrip())
    while scopes and scopes[-1][0] >= indent:
        scopes.pop()
    match = _SCOPE.match(stripped)
    if match:
        scopes.append((indent, match.group(1), not stripped.startswith("class")))


def _enclosing_function(scopes, path, line):
    if not scopes or not scopes[-1][2]:
        raise RegionError(path, line, "a YOUR CODE region must sit inside a function")
    return ".".join(name for _, name, _ in scopes)


def splice(source, module, texts, path="<source>"):
    """``source`` with the text of each region whose id is in ``texts`` replaced by ``texts[id]``.

    Markers and everything outside the regions stay byte for byte.
    """
    lines = split_lines(source)
    for region in reversed(find_regions(source, module, path)):
        if region.id in texts:
            lines[region.begin:region.end - 1] = split_lines(texts[region.id])
    return "".join(lines)


def outside_text(source, module, path="<source>"):
    """``source`` with every region emptied: what the handout fixes and the student must not change."""
    return splice(source, module, {r.id: "" for r in find_regions(source, module, path)}, path)


def read_source(path):
    """A module's text; RegionError naming the line of the first byte that is not UTF-8."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as e:
        raise RegionError(path, data[:e.start].count(b"\n") + 1, "the file is not UTF-8; save it as UTF-8") from None


def read_manifest(package_dir):
    """The handout's manifest: ``{"modules": {file name: {"outside_sha256", "regions": [ids]}}}``."""
    path = Path(package_dir) / MANIFEST
    if not path.is_file():
        raise RegionError(path, None, "missing; it comes with the handout (copy it back from the handout zip)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise RegionError(path, None, f"unreadable ({e}); copy it back from the handout zip") from None


@dataclass
class Problem:
    """Something wrong with a submission. ``fatal`` problems stop ``make_submission``."""

    path: str
    line: int | None
    message: str
    fatal: bool

    def __str__(self):
        return str(RegionError(self.path, self.line, self.message))


@dataclass
class Collected:
    """The regions of a student's package, by id, and what is wrong with it."""

    regions: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    changed_outside: list = field(default_factory=list)     # file names edited outside their regions


def collect(package_dir, manifest):
    """Read every module the manifest names from ``package_dir``.

    Fatal problems: a missing module, an unreadable or non-UTF-8 file, a broken marker, a region the
    manifest expects but the file lacks, or one it does not expect. Warnings: a syntax error, an
    unfilled region, code changed outside the regions. Regions of a module with a fatal problem are
    left out; the rest are kept, so a grader can still grade them.
    """
    out = Collected()
    for name, info in sorted(manifest["modules"].items()):
        path = Path(package_dir) / name
        module = name[:-3]
        if not path.is_file():
            out.problems.append(Problem(str(path), None, "missing: restore this file from the handout", True))
            continue
        try:
            source = read_source(path)
            regions = find_regions(source, module, path)
        except RegionError as e:
            out.problems.append(Problem(e.path, e.line, e.message, True))
            continue
        except OSError as e:
            out.problems.append(Problem(str(path), None, f"cannot be read ({e.strerror})", True))
            continue
        found = {r.id: r for r in regions}
        for rid in info["regions"]:
            if rid not in found:
                out.problems.append(Problem(str(path), None, f"region {rid} is missing: restore its "
                                                             f"{BEGIN_MARKER} / {END_MARKER} lines", True))
        for rid, region in found.items():
            if rid not in info["regions"]:
                out.problems.append(Problem(str(path), region.begin, f"unexpected region {rid}: only the "
                                                                     f"handout's regions are graded", True))
            else:
                out.regions[rid] = region
        _warn_about_module(out, path, source, module, found, info)
    return out


def _warn_about_module(out, path, source, module, found, info):
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as e:
        out.problems.append(Problem(str(path), e.lineno, f"syntax error: {e.msg}", False))
    for region in found.values():
        if is_unfilled(region.text):
            out.problems.append(Problem(str(path), region.begin, f"{region.id} is not filled in yet", False))
    if text_hash(outside_text(source, module, path)) != info["outside_sha256"]:
        out.changed_outside.append(path.name)
        out.problems.append(Problem(str(path), None, "changed outside the YOUR CODE regions; only the "
                                                     "regions are graded, the rest comes from the handout",
                                    False))


def is_unfilled(text):
    """True when a region's code is still the handout's ``raise NotImplementedError(...)`` (or nothing)."""
    code = [ln.strip() for ln in split_lines(text) if ln.strip() and not ln.strip().startswith("#")]
    return not code or (len(code) == 1 and code[0].startswith("raise NotImplementedError("))


# --- submission.md ---------------------------------------------------------------------------------

@dataclass
class Submission:
    """What ``submission.md`` holds: who, when, and the text of each region by id."""

    name: str
    student_id: str
    date: str
    regions: dict
    problems: list = field(default_factory=list)


def render_submission(sub):
    """The markdown text of a submission: a header, a section per file, a fenced block per region.

    Each block is preceded by a comment with the region's id and the SHA-256 of its text, and fenced with
    more backticks than the text holds in a row, so that the text comes back exactly.
    """
    out = [TITLE, "", f"- name: {sub.name}", f"- id: {sub.student_id}", f"- date: {sub.date}", ""]
    current_file = None
    for rid, text in sub.regions.items():
        file = rid.split(":", 1)[0] + ".py"
        if file != current_file:
            out += [f"## {file}", ""]
            current_file = file
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        if text and not text.endswith("\n"):
            raise ValueError(f"region {rid}: a region's text is whole lines, so it ends with a newline")
        out += [f"### {rid}", "", f"<!-- region {rid} sha256={text_hash(text)} -->", fence + "python",
                text + fence, ""]
    return "\n".join(out)


def parse_submission(text, path="submission.md"):
    """Read a ``submission.md`` back into a Submission.

    Raises RegionError (with the line) when the header is missing, a block is not closed or a region
    appears twice. A region whose text no longer matches its hash (edited by hand after it was made) is
    kept, with a problem saying so.
    """
    lines = split_lines(text.replace("\r\n", "\n"))
    if not lines or lines[0].rstrip("\n") != TITLE:
        raise RegionError(path, 1, f"not a submission.md: the first line should be {TITLE!r}")
    header = {}
    for line in lines[1:8]:
        m = re.fullmatch(r"- (name|id|date): (.*)\n?", line)
        if m:
            header[m.group(1)] = m.group(2)
    for key in ("name", "id", "date"):
        if key not in header:
            raise RegionError(path, None, f"the header has no '- {key}:' line")
    sub = Submission(header["name"], header["id"], header["date"], {})
    i = 0
    while i < len(lines):
        m = _REGION_LINE.fullmatch(lines[i].rstrip("\n"))
        i += 1
        if not m:
            continue
        rid, digest, start = m.group(1), m.group(2), i
        fence = _FENCE.fullmatch(lines[i].rstrip("\n")) if i < len(lines) else None
        if not fence:
            raise RegionError(path, i + 1, f"region {rid}: expected a ```python line after its comment")
        body, i = [], i + 1
        while i < len(lines) and lines[i].rstrip("\n") != fence.group(1):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise RegionError(path, start + 1, f"region {rid}: its code block is never closed (truncated file?)")
        i += 1
        if rid in sub.regions:
            raise RegionError(path, start, f"region {rid} appears twice")
        sub.regions[rid] = "".join(body)
        if text_hash(sub.regions[rid]) != digest:
            sub.problems.append(Problem(str(path), start, f"region {rid} was edited after make_submission "
                                                          f"wrote it (its hash differs)", False))
    return sub


def write_atomically(path, data):
    """Write bytes or text to ``path`` through a temporary file and a rename: never a partial file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


# --- the command ------------------------------------------------------------------------------------

def upload_name(name, student_id):
    """The course's upload name, ``<name>_<student id>_hw1_student``."""
    return f"{name}_{student_id}_{PACKAGE}"


def build_zip(package_dir, submission_md, name, student_id, zip_path):
    """Pack the upload folder ``<name>_<id>_hw1_student/``: the package as ``hw1_student/``,
    ``submission.md``, and the report and notebook when they sit beside the package."""
    top = upload_name(name, student_id)
    package_dir, root = Path(package_dir), Path(package_dir).parent
    buf = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(package_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                z.write(path, f"{top}/{PACKAGE}/{path.relative_to(package_dir).as_posix()}")
        z.write(submission_md, f"{top}/submission.md")
        for extra in ("report.md", "check_gradients.ipynb"):
            if (root / extra).is_file():
                z.write(root / extra, f"{top}/{extra}")
    buf.seek(0)
    write_atomically(zip_path, buf.read())


def _check_identity(label, value):
    if not value.strip() or any(c in value for c in "/\\\n\r\t") or not value.isprintable():
        raise RegionError(f"--{label}", None, f"{value!r} cannot be part of a file name; use letters and digits")
    return value.strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True, help="your name, as on the course list (中文 is fine)")
    parser.add_argument("--id", required=True, dest="student_id", help="your student id")
    parser.add_argument("--package", default=PACKAGE, help="the package folder (default: %(default)s)")
    parser.add_argument("--out", default="submission.md", help="where to write (default: %(default)s)")
    parser.add_argument("--zip", action="store_true", help="also pack <name>_<id>_hw1_student.zip")
    args = parser.parse_args(argv)
    try:
        name = _check_identity("name", args.name)
        student_id = _check_identity("id", args.student_id)
        package = Path(args.package)
        if not package.is_dir():
            raise RegionError(package, None, "no such folder; run this next to hw1_student/ or pass --package")
        collected = collect(package, read_manifest(package))
    except RegionError as e:
        print(f"make_submission: error: {e}", file=sys.stderr)
        return 1
    for problem in collected.problems:
        print(f"make_submission: {'error' if problem.fatal else 'warning'}: {problem}", file=sys.stderr)
    if any(p.fatal for p in collected.problems):
        print("make_submission: nothing written; fix the errors above and run it again", file=sys.stderr)
        return 1
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    texts = {rid: r.text for rid, r in collected.regions.items()}
    write_atomically(args.out, render_submission(Submission(name, student_id, date, texts)))
    print(f"wrote {args.out}: {len(texts)} regions")
    if args.zip:
        zip_path = Path(f"{upload_name(name, student_id)}.zip")
        build_zip(package, args.out, name, student_id, zip_path)
        print(f"wrote {zip_path}: upload this file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
