"""Collect your YOUR CODE regions into ``submission.md``.

    python make_submission.py --check                             # check your code; write nothing
    python make_submission.py --name 张三 --id 2024123456          # writes submission.md
    python make_submission.py --name 张三 --id 2024123456 --zip    # and 张三_2024123456_hw1_student.zip

When it warns and when it stops: the kit's README.md, "Submit". The regions are read by ``regions.py``
beside this script, the kit's one region parser; the checks are ``self_check.py``'s.
"""

import argparse
import datetime
import io
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from regions import (PACKAGE, TITLE, RegionError, Submission, collect, is_unfilled, read_manifest,
                     render_submission, write_atomically)
from self_check import FAILED, NOTE, OK, TODO
from self_check import run as run_checks


def upload_name(name, student_id):
    """The course's upload name, ``<name>_<student id>_hw1_student``."""
    return f"{name}_{student_id}_{PACKAGE}"


# Beside the package, what goes into the upload: the report, its pictures, and the notebook.
REPORT_FILES = ("report.md", "check_gradients.ipynb")
REPORT_PICTURES = (".png", ".jpg", ".jpeg", ".svg")
_IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(\s*<?([^)>\s]+)>?[^)]*\)|<img\s[^>]*?src\s*=\s*[\"']([^\"']+)", re.IGNORECASE)


def linked_pictures(root):
    """``(relative paths, warnings)``: the pictures in ``root`` that ``report.md`` links, and the links the
    upload cannot hold (a missing file, or one outside the folder)."""
    report, root, found, problems = root / "report.md", root.resolve(), [], []
    text = report.read_text(encoding="utf-8", errors="replace") if report.is_file() else ""
    for link in (unquote(m.group(1) or m.group(2)) for m in _IMAGE_LINK.finditer(text)):
        path = (root / link).resolve()
        if path.is_relative_to(root) and path.is_file():
            found.append(path.relative_to(root).as_posix())
        elif not re.match(r"[a-z][a-z0-9+.-]+:", link, re.IGNORECASE):    # not http:, data: (but C:)
            problems.append(f"report.md links {link}, which is not a file in this folder, so the upload will not "
                            f"hold it: copy the picture next to report.md and link it as {Path(link).name}")
    return found, problems


def build_zip(package_dir, submission_text, name, student_id, zip_path):
    """Pack the upload folder ``<name>_<id>_hw1_student/``: the package, ``submission.md`` and, when they sit
    beside the package, ``report.md``, its pictures and the notebook."""
    top, package_dir, buf = upload_name(name, student_id), Path(package_dir), io.BytesIO()
    root = package_dir.resolve().parent
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            info = zipfile.ZipInfo(f"{top}/{arcname}", (1980, 1, 1, 0, 0, 0))    # the same files, the same zip
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, data)

        for path in sorted(package_dir.rglob("*")):          # not caches, not hidden files
            parts = path.relative_to(package_dir).parts
            if path.is_file() and path.suffix != ".pyc" and "__pycache__" not in parts \
                    and not any(p.startswith(".") for p in parts):
                add(f"{PACKAGE}/{path.relative_to(package_dir).as_posix()}", path.read_bytes())
        add("submission.md", submission_text.encode("utf-8"))
        extras = {name: root / name for name in REPORT_FILES}
        extras |= {p.name: p for p in sorted(root.iterdir()) if p.suffix.lower() in REPORT_PICTURES}
        extras |= {rel: root / rel for rel in linked_pictures(root)[0] if not rel.startswith(f"{PACKAGE}/")}
        for arcname, extra in sorted(extras.items()):
            if extra.is_file():
                add(arcname, extra.read_bytes())
    write_atomically(zip_path, buf.getvalue())


def _check_identity(label, value):
    value = value.strip()
    bad = sorted({c for c in value if c in '/\\:*?"<>|' or c.isspace() or not c.isprintable()})
    if not value or bad:
        why = f"holds {''.join(bad)!r}" if bad else "is empty"
        raise RegionError(f"--{label}", None, f"{value!r} {why}, and it is part of the upload's file name; "
                                              f"use letters and digits, without spaces")
    return value


def _fail(lines, out, zip_path):
    """Report errors, one line each; remove a submission.md (``out`` is None with --check) and an upload
    zip that would no longer match the code."""
    for line in lines:
        print(f"make_submission: error: {line}" + (f"; {out} not written" if out else ""), file=sys.stderr)
    for old in (out, zip_path):            # a mistyped --out that is not a submission.md stays
        if old and old.is_file() and (old == zip_path or old.read_text("utf-8", "replace").startswith(TITLE)):
            old.unlink()
            print(f"make_submission: removed the old {old}: it no longer matches your code", file=sys.stderr)
    return 1


def filled_counts(texts, manifest):
    """``11 of 11 graded regions filled, practice 2 of 2, optional 0 of 10``, by the manifest's lists of
    0-point regions (optional, unless it calls them practice)."""
    optional, practice = set(manifest.get("optional", ())), set(manifest.get("practice", ()))
    groups = {"graded": set(texts) - optional - practice, "practice": practice & set(texts),
              "optional": (optional - practice) & set(texts)}
    n = {k: f"{sum(not is_unfilled(texts[r]) for r in ids)} of {len(ids)}" for k, ids in groups.items()}
    return f"{n['graded']} graded regions filled" + "".join(f", {k} {n[k]}" for k in n if k != "graded" and groups[k])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", help="your name, as on the course list (中文 is fine)")
    parser.add_argument("--id", dest="student_id", help="your student id")
    parser.add_argument("--check", action="store_true", help="only check your code, one line per check; write nothing")
    parser.add_argument("--package", help="the package folder (default: hw1_student/ here, or beside this script)")
    parser.add_argument("--out", help="where to write (default: submission.md beside the package)")
    parser.add_argument("--zip", action="store_true", help="also pack <name>_<id>_hw1_student.zip beside submission.md")
    args = parser.parse_args(argv)
    if not args.check and (args.name is None or args.student_id is None):
        parser.error("--name and --id are required to write a submission (or use --check)")
    # hw1_student/ here, else the one beside this script: a student who runs python hw1/make_submission.py
    # from the folder above means the kit's own package.
    beside = Path(__file__).resolve().with_name(PACKAGE)
    package = Path(args.package or (PACKAGE if Path(PACKAGE).is_dir() or not beside.is_dir() else beside))
    out = None if args.check else Path(args.out) if args.out else package.parent / "submission.md"
    try:                                    # a mistyped name leaves the last submission.md alone
        name, student_id = (None, None) if args.check else (_check_identity("name", args.name),
                                                            _check_identity("id", args.student_id))
    except RegionError as e:
        return _fail([str(e)], None, None)
    zip_path = out.parent / f"{upload_name(name, student_id)}.zip" if args.zip and out else None
    try:
        if not package.is_dir():
            raise RegionError(package, None, "no such folder; run this next to hw1_student/ or pass --package")
        manifest = read_manifest(package)
        collected = collect(package, manifest)
    except RegionError as e:
        return _fail([str(e)], out, zip_path)
    errors = [str(p) for p in collected.problems if p.fatal]
    if errors:
        return _fail(errors, out, zip_path)
    # With --check, a region not filled in yet has its own line on stdout; else the optional ones get one note.
    unfilled = {rid for rid, region in collected.regions.items() if is_unfilled(region.text)}
    optional = set(collected.regions) if args.check else unfilled & set(manifest.get("optional", ()))
    for problem in collected.problems:
        if problem.region not in optional:
            print(f"make_submission: warning: {problem}", file=sys.stderr)
    if optional and not args.check:
        print(f"make_submission: note: {len(optional)} optional region(s), worth 0 points, left unfilled: "
              f"{', '.join(sorted(optional))}", file=sys.stderr)
    for problem in linked_pictures(package.resolve().parent)[1]:
        print(f"make_submission: warning: {problem}", file=sys.stderr)
    results = run_checks(package, collected, manifest)
    if args.check:                          # every check's line, a count, and exit 1 when one FAILED
        counts = Counter(r.status for r in results)
        said = ", ".join(f"{counts[s]} {s}" for s in (OK, FAILED, NOTE, TODO) if counts[s])
        print(*results, f"self-check: {said}; nothing written", sep="\n")
        return 1 if counts[FAILED] else 0
    said = [r for r in results if r.status in (FAILED, NOTE)]
    for result in said:
        print(f"make_submission: {'warning' if result.status == FAILED else 'note'}: {result}", file=sys.stderr)
    if said:
        print("make_submission: note: python make_submission.py --check shows every check", file=sys.stderr)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    texts = {rid: r.text for rid, r in collected.regions.items()}
    text = render_submission(Submission(name, student_id, date, texts))
    try:
        if zip_path is not None:
            build_zip(package, text, name, student_id, zip_path)
        write_atomically(out, text)
    except OSError as e:
        return _fail([f"{e.filename or out}: cannot write ({e.strerror})"], out, zip_path)
    print(f"wrote {out}: {filled_counts(texts, manifest)}")
    if zip_path is not None:
        print(f"wrote {zip_path}: upload this file")
    return 0


if __name__ == "__main__":
    for stream in (sys.stdout, sys.stderr):      # a console that cannot show 张三 must not crash the script
        stream.reconfigure(errors="backslashreplace")
    sys.exit(main())
