"""Generate the student handout ``hw1_student/`` from the reference solution.

Outside the regions every byte is copied; inside a region the full-line comments (the hints) stay and
the code becomes ``raise NotImplementedError("<region id>")``. A manifest, ``_handout.json``, records each
module's regions and the hash of its text outside them, so ``make_submission.py`` can tell a student which
files were edited outside the regions.
"""

import io
import json
import stat
import zipfile
from pathlib import Path

from regions import (MANIFEST, PACKAGE, RegionError, find_regions, outside_text, read_source, split_lines,
                     splice, text_hash, write_atomically)

from .paths import HANDOUT_DIR, KIT_FILES, REFERENCE_DIR, REPO_ROOT, STUDENT_README
from .rubric import SECTIONS

ZIP_TOP = "hw1"                 # the one folder the students' zip unpacks to
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def stub_text(region):
    """A region's handout text: its hint comments, then a ``raise`` naming the region."""
    hints = [ln for ln in split_lines(region.text) if ln.strip().startswith("#")]
    return "".join(hints) + f'{region.indent}raise NotImplementedError("{region.id}")\n'


def _shipped(path, rel):
    """Files of the reference that belong in the handout: not caches, not hidden (editor, OS) files."""
    parts = rel.split("/")
    return path.is_file() and "__pycache__" not in parts and not any(p.startswith(".") for p in parts) \
        and path.suffix != ".pyc"


def generate(reference_dir=REFERENCE_DIR):
    """The handout as ``{relative path: bytes}``, manifest included."""
    reference_dir = Path(reference_dir)
    files, manifest = {}, {"package": PACKAGE, "modules": {}}
    for path in sorted(reference_dir.rglob("*")):
        rel = path.relative_to(reference_dir).as_posix()
        if not _shipped(path, rel):
            continue
        if path.suffix != ".py":
            files[rel] = path.read_bytes()
            continue
        source, module = read_source(path), path.stem
        regions = find_regions(source, module, path)
        if "/" in rel and regions:
            raise RegionError(path, regions[0].begin, "regions belong in the package's top-level modules")
        files[rel] = splice(source, module, {r.id: stub_text(r) for r in regions}, path).encode("utf-8")
        if "/" not in rel:
            manifest["modules"][rel] = {"outside_sha256": text_hash(outside_text(source, module, path)),
                                        "regions": [r.id for r in regions]}
    # Regions of 0-point sections: make_submission names them in one line, not one warning each.
    manifest["optional"] = sorted(rid for section in SECTIONS if not section.points for rid in section.regions)
    manifest["practice"] = sorted(rid for section in SECTIONS if section.practice for rid in section.regions)
    files[MANIFEST] = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def write(out_dir=HANDOUT_DIR, reference_dir=REFERENCE_DIR):
    """Regenerate the handout folder; files the handout no longer has are removed (caches and hidden
    files are left alone, as ``drift`` ignores them)."""
    out_dir, files = Path(out_dir), generate(reference_dir)
    for rel, data in files.items():
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out_dir / rel, data)
    for path in sorted(out_dir.rglob("*"), reverse=True):
        rel = path.relative_to(out_dir).as_posix()
        if _shipped(path, rel) and rel not in files:
            path.unlink()
    return sorted(files)


def drift(out_dir=HANDOUT_DIR, reference_dir=REFERENCE_DIR):
    """The relative paths where ``out_dir`` differs from a fresh handout (missing, extra or changed)."""
    out_dir, files = Path(out_dir), generate(reference_dir)
    present = {rel for rel in (p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*"))
               if _shipped(out_dir / rel, rel)} if out_dir.is_dir() else set()
    changed = [rel for rel in files if rel not in present or (out_dir / rel).read_bytes() != files[rel]]
    return sorted(changed + sorted(present - set(files)))


def build_zip(zip_path, reference_dir=REFERENCE_DIR):
    """The students' zip: ``hw1/`` with the package, the notebook, the scripts and the students' README.

    The package comes from ``generate``, not from the working tree, so the zip is always in sync; no
    file of ``autograder/`` goes in. RegionError naming the file when a kit file is missing.
    """
    kit = {f"{PACKAGE}/{rel}": data for rel, data in generate(reference_dir).items()}
    for name, source in [(name, REPO_ROOT / name) for name in KIT_FILES] + [("README.md", STUDENT_README)]:
        if not source.is_file():
            raise RegionError(source.relative_to(REPO_ROOT), None, "missing: the students' zip needs it")
        kit[name] = source.read_bytes()
    write_zip(zip_path, {f"{ZIP_TOP}/{name}": (data, 0o644) for name, data in kit.items()})


def write_zip(path, files):
    """Write ``{name: (bytes, permission bits)}`` as the zip ``path``, atomically: members sorted, with a
    fixed time, so that the same files give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (data, mode) in sorted(files.items()):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            # unzip restores these bits: a script must be executable once unpacked.
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, (stat.S_IFREG | mode) << 16
            archive.writestr(info, data)
    write_atomically(path, buf.getvalue())
