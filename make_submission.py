"""Collect your YOUR CODE regions into ``submission.md``.

    python make_submission.py --name 张三 --id 2024123456          # writes submission.md
    python make_submission.py --name 张三 --id 2024123456 --zip    # and 张三_2024123456_hw1_student.zip

It stops, naming the file and line, when the package folder, its manifest or a module is missing, a
marker is broken, a module has a syntax error or a file is not UTF-8; it then writes nothing, and removes
an old upload zip, which would no longer match your code. It warns (and still writes) when a region is
not filled in or code outside the regions was changed (only the regions are graded).

The regions are read by ``regions.py`` beside this script, the kit's one region parser.
"""

import argparse
import datetime
import io
import sys
import zipfile
from pathlib import Path

from regions import (PACKAGE, RegionError, Submission, collect, is_unfilled, read_manifest, render_submission,
                     write_atomically)

# Zip entries get a fixed time, so that the same files always give the same zip.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --- the command ------------------------------------------------------------------------------------

def upload_name(name, student_id):
    """The course's upload name, ``<name>_<student id>_hw1_student``."""
    return f"{name}_{student_id}_{PACKAGE}"


def _packable(path, top):
    """Files of the package that go into the upload: not caches, not hidden files."""
    parts = path.relative_to(top).parts
    return path.is_file() and "__pycache__" not in parts and not any(p.startswith(".") for p in parts) \
        and path.suffix != ".pyc"


# Beside the package, what goes into the upload: the report, its pictures, and the notebook.
REPORT_FILES = ("report.md", "check_gradients.ipynb")
REPORT_PICTURES = (".png", ".jpg", ".jpeg", ".svg")


def build_zip(package_dir, submission_text, name, student_id, zip_path):
    """Pack the upload folder ``<name>_<id>_hw1_student/``: the package as ``hw1_student/``,
    ``submission.md``, and, when they sit beside the package, ``report.md``, its pictures and the
    notebook."""
    top = upload_name(name, student_id)
    package_dir = Path(package_dir)
    root = package_dir.resolve().parent
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            info = zipfile.ZipInfo(f"{top}/{arcname}", _ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, data)

        for path in sorted(package_dir.rglob("*")):
            if _packable(path, package_dir):
                add(f"{PACKAGE}/{path.relative_to(package_dir).as_posix()}", path.read_bytes())
        add("submission.md", submission_text.encode("utf-8"))
        extras = [root / extra for extra in REPORT_FILES]
        extras += sorted(p for p in root.iterdir() if p.suffix.lower() in REPORT_PICTURES)
        for extra in extras:
            if extra.is_file():
                add(extra.name, extra.read_bytes())
    write_atomically(zip_path, buf.getvalue())


def _check_identity(label, value):
    value = value.strip()
    bad = sorted({c for c in value if c in '/\\:*?"<>|' or not c.isprintable()})
    if not value or bad:
        why = f"holds {''.join(bad)!r}" if bad else "is empty"
        raise RegionError(f"--{label}", None, f"{value!r} {why}, and it is part of the upload's file name; "
                                              f"use letters and digits")
    return value


def _fail(lines, out, zip_path):
    """Report errors, one line each; remove an upload zip that would no longer match the code."""
    for line in lines:
        print(f"make_submission: error: {line}; {out} not written", file=sys.stderr)
    if zip_path is not None and zip_path.exists():
        zip_path.unlink()
        print(f"make_submission: removed the old {zip_path}: it no longer matches your code", file=sys.stderr)
    return 1


def _default_package():
    """``hw1_student`` in the current folder, else the one beside this script: a student who runs
    ``python hw1/make_submission.py`` from the folder above means the kit's own package."""
    here = Path(PACKAGE)
    beside = Path(__file__).resolve().with_name(PACKAGE)
    return here if here.is_dir() or not beside.is_dir() else beside


def _optional_unfilled(collected, manifest):
    """The regions the manifest calls optional (0 points) that are still unfilled."""
    return {rid for rid in manifest.get("optional", ()) if rid in collected.regions
            and is_unfilled(collected.regions[rid].text)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True, help="your name, as on the course list (中文 is fine)")
    parser.add_argument("--id", required=True, dest="student_id", help="your student id")
    parser.add_argument("--package", help="the package folder (default: hw1_student/ here, or beside this script)")
    parser.add_argument("--out", help="where to write (default: submission.md beside the package)")
    parser.add_argument("--zip", action="store_true",
                        help="also pack <name>_<id>_hw1_student.zip, beside the submission.md")
    args = parser.parse_args(argv)
    package = Path(args.package) if args.package else _default_package()
    out, zip_path = Path(args.out) if args.out else package.parent / "submission.md", None
    try:
        name = _check_identity("name", args.name)
        student_id = _check_identity("id", args.student_id)
        zip_path = out.parent / f"{upload_name(name, student_id)}.zip" if args.zip else None
        if not package.is_dir():
            raise RegionError(package, None, "no such folder; run this next to hw1_student/ or pass --package")
        collected = collect(package, read_manifest(package))
    except RegionError as e:
        return _fail([str(e)], out, zip_path)
    errors = [str(p) for p in collected.problems if p.fatal]
    if errors:
        return _fail(errors, out, zip_path)
    optional = _optional_unfilled(collected, read_manifest(package))
    for problem in collected.problems:
        if problem.region not in optional:
            print(f"make_submission: warning: {problem}", file=sys.stderr)
    if optional:
        print(f"make_submission: note: {len(optional)} optional region(s), worth 0 points, left unfilled: "
              f"{', '.join(sorted(optional))}", file=sys.stderr)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    texts = {rid: r.text for rid, r in collected.regions.items()}
    text = render_submission(Submission(name, student_id, date, texts))
    try:
        if zip_path is not None:           # first: a zip that fails leaves the old submission.md alone
            build_zip(package, text, name, student_id, zip_path)
        write_atomically(out, text)
    except OSError as e:
        return _fail([f"{e.filename or out}: cannot write ({e.strerror})"], out, zip_path)
    unfilled = sum(is_unfilled(t) for t in texts.values())
    print(f"wrote {out}: {len(texts)} regions, {unfilled} not filled in yet")
    if zip_path is not None:
        print(f"wrote {zip_path}: upload this file")
    return 0


if __name__ == "__main__":
    for stream in (sys.stdout, sys.stderr):      # a console that cannot show 张三 must not crash the script
        stream.reconfigure(errors="backslashreplace")
    sys.exit(main())
