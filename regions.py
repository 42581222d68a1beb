"""The kit's one region parser, the handout's manifest and ``submission.md``: shared by the students'
``make_submission.py``, the handout generator and the autograder. Standard library only: it ships to students.

A region is the lines strictly between a ``### BEGIN YOUR CODE ###`` line and the next
``### END YOUR CODE ###`` line, inside one function. Its id is ``<module>:<Qualname>``, e.g.
``fully_connected:FullyConnected.backward``, with ``#2``, ``#3`` for further regions of one function.

``find_regions``, ``splice`` and ``outside_text`` work on one module's text; ``collect`` reads a student's
package against the manifest; ``render_submission`` and ``parse_submission`` write and read ``submission.md``.
"""

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BEGIN_MARKER = "### BEGIN YOUR CODE ###"
END_MARKER = "### END YOUR CODE ###"
CHANGED_OUTSIDE = ("changed outside the YOUR CODE regions; only the regions are graded, the rest comes "
                   "from the handout")
MANIFEST = "_handout.json"
PACKAGE = "hw1_student"
TITLE = "# hw1 submission"

_LOOSE_MARKER = re.compile(r"#+\s*(BEGIN|END)\s+YOUR\s+CODE\b.*", re.IGNORECASE)
_SCOPE = re.compile(r"(?:async\s+def|def|class)\s+(\w+)")
_REGION_LINE = re.compile(r"<!-- region (\S+) sha256=([0-9a-f]{64}) -->")
_FENCE = re.compile(r"(`{3,})python")
_HEADER_LINE = re.compile(r"- (name|id|date):(?: (.*))?\n?")


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
    """One YOUR CODE region of a module: ``begin`` and ``end`` are the 1-based lines of its markers, ``text``
    the lines strictly between them, each ending in a newline ("" for an empty region)."""

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
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_regions(source, module, path="<source>"):
    """Every region of one module's source, in file order; RegionError (at ``path:line``) on a broken marker.

    The enclosing function is found from the ``def``/``class`` lines outside the regions and their
    indentation, not from ``ast``: a student's half-written region must not stop the parser.
    """
    lines = split_lines(source)
    regions, scopes, seen, begin = [], [], {}, None        # begin: the line of the open BEGIN marker
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN_MARKER:
            if begin is not None:
                raise RegionError(path, number, f"{BEGIN_MARKER} inside the region opened at line {begin}; "
                                                f"close that one first with {END_MARKER}")
            begin = number
            _track_scope(scopes, line)          # a marker no deeper than a def is not in that def's body
        elif stripped == END_MARKER:
            if begin is None:
                raise RegionError(path, number, f"{END_MARKER} without a {BEGIN_MARKER} before it")
            if not scopes or not scopes[-1][2]:
                raise RegionError(path, begin, "a YOUR CODE region must sit inside a function")
            base = f"{module}:" + ".".join(name for _, name, _ in scopes)
            seen[base] = seen.get(base, 0) + 1
            marker = lines[begin - 1]
            regions.append(Region(base if seen[base] == 1 else f"{base}#{seen[base]}", str(path), begin, number,
                                  marker[:len(marker) - len(marker.lstrip())], "".join(lines[begin:number - 1])))
            begin = None
        elif _LOOSE_MARKER.fullmatch(stripped):
            wanted = BEGIN_MARKER if "BEGIN" in stripped.upper() else END_MARKER
            raise RegionError(path, number, f"malformed marker {stripped!r}; the line must be exactly {wanted!r}")
        elif begin is None:
            _track_scope(scopes, line)
    if begin is not None:
        raise RegionError(path, begin, f"{BEGIN_MARKER} without a matching {END_MARKER}")
    return regions


def _track_scope(scopes, line):
    """Update the stack of enclosing (indent, name, is_function) from one line outside the regions.

    Comments do not close a scope, except a BEGIN marker, which belongs to the scope of its indentation.
    """
    stripped = line.strip()
    if not stripped or (stripped.startswith("#") and stripped != BEGIN_MARKER):
        return
    indent = len(line) - len(line.lstrip())
    while scopes and scopes[-1][0] >= indent:
        scopes.pop()
    match = _SCOPE.match(stripped)
    if match:
        scopes.append((indent, match.group(1), not stripped.startswith("class")))


def splice(source, module, texts, path="<source>", regions=None):
    """``source`` with the text of each region whose id is in ``texts`` replaced by ``texts[id]``.

    Markers and everything outside the regions stay byte for byte. A text must be whole lines and hold no
    marker line, so that the result has the same regions as ``source`` (RegionError otherwise). ``regions``:
    ``find_regions(source, module)``, when the caller has it already.
    """
    lines = split_lines(source)
    for region in reversed(regions if regions is not None else find_regions(source, module, path)):
        if region.id in texts:
            problem = region_text_problem(texts[region.id])
            if problem:
                raise RegionError(path, region.begin, f"the text for region {region.id}: {problem}")
            lines[region.begin:region.end - 1] = split_lines(texts[region.id])
    return "".join(lines)


def region_text_problem(text):
    """Why ``text`` cannot be spliced into a region (it is not whole lines, or holds a marker line), or None."""
    if text and not text.endswith("\n"):
        return "must be whole lines, ending in a newline"
    for offset, line in enumerate(split_lines(text), start=1):
        if _LOOSE_MARKER.fullmatch(line.strip()):
            return f"line {offset} is a YOUR CODE marker: {line.strip()!r}"
    return None


def outside_text(source, module, path="<source>"):
    """``source`` with every region emptied: what the handout fixes and the student must not change."""
    regions = find_regions(source, module, path)
    return splice(source, module, {r.id: "" for r in regions}, path, regions)


def read_source(path):
    """A module's text, with Windows line ends and a byte-order mark undone; RegionError when it is missing,
    unreadable or not UTF-8 (naming the line of the first bad byte)."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise RegionError(path, None, "missing: restore this file from the handout") from None
    except OSError as e:
        raise RegionError(path, None, f"cannot be read ({e.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RegionError(path, data[:e.start].count(b"\n") + 1, "the file is not UTF-8; save it as UTF-8") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def read_manifest(package_dir):
    """The handout's manifest: ``{"modules": {file name: {"outside_sha256", "regions": [ids]}}}``."""
    path = Path(package_dir) / MANIFEST
    if not path.is_file():
        raise RegionError(path, None, "missing; it comes with the handout (copy it back from the handout zip)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError) as e:
        raise RegionError(path, None, f"unreadable ({e}); copy it back from the handout zip") from None
    modules = manifest.get("modules") if isinstance(manifest, dict) else None
    if not isinstance(modules, dict) or not all(
            isinstance(info, dict) and isinstance(info.get("outside_sha256"), str)
            and isinstance(info.get("regions"), list) and all(isinstance(r, str) for r in info["regions"])
            for info in modules.values()):
        raise RegionError(path, None, "not the handout's manifest; copy it back from the handout zip")
    return manifest


@dataclass
class Problem:
    """Something wrong with a package or a submission, at ``path:line``, about region ``region`` (or None).
    ``fatal``: from ``collect``, make_submission writes nothing; from ``parse_submission``, the region is not
    graded."""

    path: str
    line: int | None
    message: str
    fatal: bool
    region: str | None = None

    def __str__(self):
        return str(RegionError(self.path, self.line, self.message))


@dataclass
class Collected:
    """The regions of a student's package, by id, and what is wrong with it."""

    regions: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    changed_outside: list = field(default_factory=list)     # file names edited outside their regions


def collect(package_dir, manifest):
    """Read every module the manifest names from ``package_dir``. The regions of a module that cannot be read
    or whose markers are broken are left out; the rest are kept, with a syntax error too (naming the region
    it falls in), so that a grader can still grade them."""
    out = Collected()
    for name, info in sorted(manifest["modules"].items()):
        path, module = Path(package_dir) / name, name[:-3]
        try:
            source = read_source(path)
            regions = find_regions(source, module, path)
        except RegionError as e:
            out.problems.append(Problem(e.path, e.line, e.message, True))
            continue
        found, expected = {r.id: r for r in regions}, info["regions"]
        out.problems += [Problem(str(path), None, f"region {rid} is missing: restore its {BEGIN_MARKER} / "
                                 f"{END_MARKER} lines", True, rid) for rid in expected if rid not in found]
        out.problems += [Problem(str(path), r.begin, f"unexpected region {rid}: only the handout's regions are "
                                 f"graded", True, rid) for rid, r in found.items() if rid not in expected]
        out.regions |= {rid: r for rid, r in found.items() if rid in expected}
        _check_module(out, path, source, module, found, info)
    return out


def _check_module(out, path, source, module, found, info):
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except (RecursionError, MemoryError, ValueError) as e:
        # Nesting too deep for the compiler (or a NUL byte, on some Pythons): as bad as a syntax error.
        out.problems.append(Problem(str(path), None, f"Python cannot compile this file ({type(e).__name__}: "
                                                     f"{e}); simplify the deepest expression", True))
    except SyntaxError as e:
        region = next((rid for rid, r in found.items() if e.lineno is not None and r.begin < e.lineno < r.end), None)
        message = f"syntax error: {e.msg}" if region is None else (f"syntax error in region {region}: {e.msg}; fix "
                                                                   f"it, or put back the raise NotImplementedError "
                                                                   f"line to leave the region out")
        out.problems.append(Problem(str(path), e.lineno, message, True, region))
    for region in found.values():
        if is_unfilled(region.text):
            out.problems.append(Problem(str(path), region.begin, f"{region.id} is not filled in yet", False,
                                        region.id))
    if text_hash(outside_text(source, module, path)) != info["outside_sha256"]:
        out.changed_outside.append(path.name)
        out.problems.append(Problem(str(path), None, CHANGED_OUTSIDE, False))


def is_unfilled(text):
    """True when a region's code is still the handout's ``raise NotImplementedError(...)`` (or nothing)."""
    code = [ln.strip() for ln in split_lines(text) if ln.strip() and not ln.strip().startswith("#")]
    return not code or (len(code) == 1 and code[0].startswith("raise NotImplementedError("))


# --- submission.md ---------------------------------------------------------------------------------

@dataclass
class Submission:
    """What ``submission.md`` holds: who, when, the text of each region by id, and what is wrong."""

    name: str
    student_id: str
    date: str
    regions: dict
    problems: list = field(default_factory=list)


def render_submission(sub):
    """The markdown text of a submission: a header, a section per file, a fenced block per region.

    Each block is preceded by a comment with the region's id and the SHA-256 of its text, and fenced with
    more backticks than the text holds in a row, so that the text comes back exactly. ValueError when a
    header value holds a newline, an id is not one word or a text is not whole lines.
    """
    for label, value in (("name", sub.name), ("id", sub.student_id), ("date", sub.date)):
        if "\n" in value:
            raise ValueError(f"the {label} {value!r} holds a newline; it must fit on its header line")
    out = [TITLE, "", f"- name: {sub.name}", f"- id: {sub.student_id}", f"- date: {sub.date}", ""]
    current_file = None
    for rid, text in sub.regions.items():
        if not re.fullmatch(r"[^\s:]+:\S+", rid):
            raise ValueError(f"region id {rid!r} is not '<module>:<Qualname>'")
        if text and not text.endswith("\n"):
            raise ValueError(f"region {rid}: a region's text is whole lines, so it ends with a newline")
        file = rid.split(":", 1)[0] + ".py"
        if file != current_file:
            out += [f"## {file}", ""]
            current_file = file
        longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        out += [f"### {rid}", "", f"<!-- region {rid} sha256={text_hash(text)} -->", fence + "python",
                text + fence, ""]
    return "\n".join(out)


def parse_submission(text, path="submission.md"):
    """Read a ``submission.md`` back into a Submission, grading what can be graded.

    RegionError only when the first line is not the title. Anything else goes into ``Submission.problems``
    and the parser reads on: a region whose code block is missing or not closed is fatal for that region
    alone; a missing header line, a region given twice (the first is kept) or edited after it was written
    (its hash differs) is a warning.
    """
    text = text.removeprefix("\ufeff")
    if "\n" in text and text.count("\r\n") == text.count("\n"):   # saved with Windows line ends
        text = text.replace("\r\n", "\n")
    lines = split_lines(text)
    if not lines or lines[0].rstrip() != TITLE:
        raise RegionError(path, 1, f"not a submission.md: the first line should be {TITLE!r}")
    sub = Submission("", "", "", {}, [])
    _parse_regions(lines, _parse_header(lines, sub, str(path)), sub, str(path))
    return sub


def _parse_header(lines, sub, path):
    """Fill in name, id and date from the lines before the first section; return where it ends."""
    found, i = {}, 1
    while i < len(lines) and not lines[i].startswith("## ") and not _REGION_LINE.fullmatch(lines[i].rstrip("\n")):
        m = _HEADER_LINE.fullmatch(lines[i])
        if m and m.group(1) in found:
            sub.problems.append(Problem(path, i + 1, f"a second '- {m.group(1)}:' line (the first, at line "
                                                     f"{found[m.group(1)]}, is used)", False))
        elif m:
            found[m.group(1)] = i + 1
            setattr(sub, "student_id" if m.group(1) == "id" else m.group(1), m.group(2) or "")
        i += 1
    sub.problems += [Problem(path, None, f"the header has no '- {key}:' line", False)
                     for key in ("name", "id", "date") if key not in found]
    return i


def _block_fence(lines, i):
    """The fence that opens a code block on the line after the region comment at ``lines[i]``, or None."""
    if i + 1 < len(lines) and _REGION_LINE.fullmatch(lines[i].rstrip("\n")):
        fence = _FENCE.fullmatch(lines[i + 1].rstrip("\n"))
        return fence and fence.group(1)
    return None


def _parse_regions(lines, i, sub, path):
    first_seen = {}
    while i < len(lines):
        m = _REGION_LINE.fullmatch(lines[i].rstrip("\n"))
        i += 1
        if not m:
            continue
        rid, digest, at = m.group(1), m.group(2), i                 # ``at``: the comment's line, 1-based
        fence = _block_fence(lines, at - 1)
        if not fence:
            sub.problems.append(Problem(path, at, f"region {rid}: the line after its comment should open a "
                                                  f"```python block; this region cannot be graded", True, rid))
            continue
        close = next((j for j in range(at + 1, len(lines)) if lines[j].rstrip("\n") == fence), None)
        end = len(lines) if close is None else close
        body = "".join(lines[at + 1:end])
        edited = text_hash(body) != digest
        # A block whose closing fence was lost runs into the next region (or to the end of the file);
        # a region text that merely looks like a region comment still matches its hash.
        following = None if close is not None and not edited else \
            next((j for j in range(at + 1, end) if _block_fence(lines, j)), None)
        if close is None or following is not None:
            before = (f"before the region at line {following + 1}" if following is not None
                      else "before the end of the file (truncated?)")
            sub.problems.append(Problem(path, at, f"region {rid}: its code block is not closed {before}; "
                                                  f"this region cannot be graded", True, rid))
            i = len(lines) if following is None else following
            continue
        i = close + 1
        if rid in first_seen:
            sub.problems.append(Problem(path, at, f"region {rid} appears twice, at lines {first_seen[rid]} and "
                                                  f"{at}; the first is graded", False, rid))
            continue
        first_seen[rid] = at
        sub.regions[rid] = body
        if edited:
            sub.problems.append(Problem(path, at, f"region {rid} was edited after make_submission wrote it "
                                                  f"(its hash differs)", False, rid))


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
