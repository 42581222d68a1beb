"""Generate the student handout ``hw1_student/`` from the reference solution.

Outside the regions every byte is copied; inside a region the full-line comments (the hints) stay and
the code becomes ``raise NotImplementedError("<region id>")``. A manifest, ``_handout.json``, records each
module's regions and the hash of its text outside them, so ``make_submission`` can tell a student which
files were edited outside the regions.
"""

import io
import json
import zipfile
from pathlib import Path

from make_submission import (MANIFEST, PACKAGE, RegionError, find_regions, outside_text, read_source,
                             split_lines, splice, text_hash, write_atomically)

from .paths import HANDOUT_DIR, KIT_FILES, REFERENCE_DIR, REPO_ROOT, STUDENT_README


def stub_text(region):
    """A region's handout text: its hint comments, then a ``raise`` naming the region."""
    hints = [ln for ln in split_lines(region.text) if ln.strip().startswith("#")]
    return "".join(hints) + f'{region.indent}raise NotImplementedError("{region.id}")\n'


def generate(reference_dir=REFERENCE_DIR):
    """The handout as ``{relative path: bytes}``, manifest included."""
    reference_dir = Path(reference_dir)
    files, manifest = {}, {"package": PACKAGE, "modules": {}}
    for path in sorted(reference_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(reference_dir).as_posix()
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
    files[MANIFEST] = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def write(out_dir=HANDOUT_DIR, reference_dir=REFERENCE_DIR):
    """Regenerate the handout folder; files the handout no longer has are removed."""
    out_dir, files = Path(out_dir), generate(reference_dir)
    for rel, data in files.items():
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out_dir / rel, data)
    for path in sorted(out_dir.rglob("*"), reverse=True):
        rel = path.relative_to(out_dir).as_posix()
        if path.is_file() and rel not in files and "__pycache__" not in path.parts:
            path.unlink()
    return sorted(files)


def drift(out_dir=HANDOUT_DIR, reference_dir=REFERENCE_DIR):
    """The relative paths where ``out_dir`` differs from a fresh handout (missing, extra or changed)."""
    out_dir, files = Path(out_dir), generate(reference_dir)
    present = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts} if out_dir.is_dir() else set()
    changed = [rel for rel in files if rel not in present or (out_dir / rel).read_bytes() != files[rel]]
    return sorted(changed + sorted(present - set(files)))


def build_zip(zip_path, reference_dir=REFERENCE_DIR):
    """The students' zip: ``hw1/`` with the package, the notebook, the scripts and the students' README.

    The package comes from ``generate``, not from the working tree, so the zip is always in sync; no
    file of ``autograder/`` goes in.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in sorted(generate(reference_dir).items()):
            z.writestr(f"hw1/{PACKAGE}/{rel}", data)
        for name in KIT_FILES:
            z.write(REPO_ROOT / name, f"hw1/{name}")
        z.write(STUDENT_README, "hw1/README.md")
    write_atomically(zip_path, buf.getvalue())
