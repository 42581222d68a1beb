"""The handout: generated from the reference, in sync, with no solution line in it or in the students' zip."""

import json
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from regions import (MANIFEST, PACKAGE, RegionError, find_regions, outside_text, read_source, splice, split_lines,
                     text_hash)

from autograder import handout
from autograder.paths import HANDOUT_DIR, KIT_FILES, REFERENCE_DIR, REPO_ROOT, STUDENT_README
from autograder.rubric import SECTIONS

REGION_IDS = {
    "activations:ReLU.forward", "activations:ReLU.backward",
    "activations:Sigmoid.forward", "activations:Sigmoid.backward",
    "activations:SoftMax.forward", "activations:SoftMax.backward",
    "fully_connected:FullyConnected._init_parameters", "fully_connected:FullyConnected.forward",
    "fully_connected:FullyConnected.backward",
    "losses:CrossEntropyLoss.forward", "losses:CrossEntropyLoss.backward",
    "models:NeuralNetwork.forward", "models:NeuralNetwork.backward",
    # the optional parts (issue 7)
    "regularization:l2_penalty", "regularization:l2_gradient",
    "losses:MSELoss.forward", "losses:MSELoss.backward", "losses:L1Loss.forward", "losses:L1Loss.backward",
    "computational_graph:MulLayer.forward", "computational_graph:MulLayer.backward",
    "computational_graph:AddLayer.forward", "computational_graph:AddLayer.backward",
}
MODULES = sorted(p.name for p in REFERENCE_DIR.glob("*.py"))
FILES = sorted(p.relative_to(HANDOUT_DIR).as_posix() for p in HANDOUT_DIR.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts)


def autograder(*args, cwd=REPO_ROOT):
    """``python -m autograder ARGS``: the completed process, text mode."""
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8")


def regions_of(package, name):
    path = package / name
    return find_regions(read_source(path), path.stem, path)


def solution_lines():
    """Every code line of every reference region, stripped, with the region it comes from; a bare ``return``
    of names (``return Y``, ``return dx, dy``) reveals nothing and is left out."""
    return [(r.id, line.strip()) for name in MODULES for r in regions_of(REFERENCE_DIR, name)
            for line in split_lines(r.text) if line.strip() and not line.strip().startswith("#")
            and not re.fullmatch(r"return \w+(, \w+)*", line.strip())]


# --- in sync ----------------------------------------------------------------------------------------

def test_check_passes_on_the_repository():
    result = autograder("handout", "--check")
    assert result.returncode == 0 and result.stderr == "", \
        f"hw1_student/ drifted from the reference (exit {result.returncode}): {result.stderr}"


def test_regenerating_gives_the_committed_files_byte_for_byte(tmp_path):
    out = tmp_path / "fresh"
    result = autograder("handout", "--out", str(out))
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    fresh = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert fresh == FILES, f"file lists differ: {sorted(set(fresh) ^ set(FILES))}"
    for rel in FILES:
        assert (out / rel).read_bytes() == (HANDOUT_DIR / rel).read_bytes(), f"{rel} differs when regenerated"


def change_a_file(copy):
    path = copy / "activations.py"
    path.write_text(read_source(path).replace("Softmax over the classes", "softmax over classes"), encoding="utf-8")
    return "activations.py"


def remove_a_file(copy):
    (copy / "losses.py").unlink()
    return "losses.py"


def add_a_file(copy):
    (copy / "extra.py").write_text("x = 1\n", encoding="utf-8")
    return "extra.py"


def fill_a_region(copy):
    path = copy / "models.py"
    path.write_text(read_source(path).replace('raise NotImplementedError("models:NeuralNetwork.forward")', "Y = X"),
                    encoding="utf-8")
    return "models.py"


def change_the_data(copy):
    path = copy / "data" / "iris.csv"
    path.write_bytes(path.read_bytes()[:-10])
    return "data/iris.csv"


@pytest.mark.parametrize("corrupt", [change_a_file, remove_a_file, add_a_file, fill_a_region, change_the_data],
                         ids=lambda f: f.__name__)
def test_check_names_the_file_that_drifted(tmp_path, corrupt):
    copy = tmp_path / "copy"
    shutil.copytree(HANDOUT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    rel = corrupt(copy)
    result = autograder("handout", "--check", "--out", str(copy))
    assert result.returncode != 0, f"{corrupt.__name__}: --check passed on a corrupted copy"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"{copy}/{rel}" in lines[0], f"{corrupt.__name__}: stderr should name {rel}: {lines}"


def test_check_ignores_caches(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(HANDOUT_DIR, copy)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert handout.drift(copy) == [], "a __pycache__ is not drift"


# --- what the handout holds ----------------------------------------------------------------------------

def test_the_region_ids_are_the_issue_list():
    ids = [r.id for name in MODULES for r in regions_of(HANDOUT_DIR, name)]
    assert len(ids) == len(set(ids)) and set(ids) == REGION_IDS, \
        f"extra {sorted(set(ids) - REGION_IDS)}, missing {sorted(REGION_IDS - set(ids))}"
    manifest = json.loads((HANDOUT_DIR / MANIFEST).read_text(encoding="utf-8"))
    listed = [rid for info in manifest["modules"].values() for rid in info["regions"]]
    assert sorted(listed) == sorted(REGION_IDS), f"the manifest lists {sorted(listed)}"
    graded = [rid for section in SECTIONS for rid in section.regions]
    assert sorted(graded) == sorted(REGION_IDS), f"the rubric's sections hold {sorted(graded)}"


@pytest.mark.parametrize("name", MODULES)
def test_outside_the_regions_the_handout_is_the_reference(name):
    ref, out = read_source(REFERENCE_DIR / name), read_source(HANDOUT_DIR / name)
    module = name[:-3]
    assert outside_text(out, module) == outside_text(ref, module), f"{name}: the text outside the regions differs"
    assert [r.id for r in find_regions(out, module)] == [r.id for r in find_regions(ref, module)], \
        f"{name}: the regions differ"


@pytest.mark.parametrize("name", MODULES)
def test_the_reference_regions_spliced_into_the_handout_give_the_reference(name):
    ref = (REFERENCE_DIR / name).read_bytes()
    texts = {r.id: r.text for r in regions_of(REFERENCE_DIR, name)}
    spliced = splice(read_source(HANDOUT_DIR / name), name[:-3], texts).encode("utf-8")
    assert spliced == ref, f"{name}: handout + reference regions is not the reference byte for byte"


@pytest.mark.parametrize("name", MODULES)
def test_the_manifest_hashes_the_text_outside_the_regions(name):
    manifest = json.loads((HANDOUT_DIR / MANIFEST).read_text(encoding="utf-8"))
    info = manifest["modules"][name]
    source = read_source(HANDOUT_DIR / name)
    assert info["outside_sha256"] == text_hash(outside_text(source, name[:-3])), f"{name}: wrong outside_sha256"
    assert info["regions"] == [r.id for r in find_regions(source, name[:-3])], f"{name}: wrong region list"


def test_files_other_than_modules_are_copied_byte_for_byte():
    others = [rel for rel in FILES if not rel.endswith(".py") and rel != MANIFEST]
    assert others, "the package should ship its data"
    for rel in others:
        assert (HANDOUT_DIR / rel).read_bytes() == (REFERENCE_DIR / rel).read_bytes(), f"{rel} differs"


@pytest.mark.parametrize("rid", sorted(REGION_IDS))
def test_every_region_is_hints_and_a_raise(rid):
    name = rid.split(":")[0] + ".py"
    ref = {r.id: r for r in regions_of(REFERENCE_DIR, name)}[rid]
    out = {r.id: r for r in regions_of(HANDOUT_DIR, name)}[rid]
    hints = [line for line in split_lines(ref.text) if line.strip().startswith("#")]
    want = "".join(hints) + f'{ref.indent}raise NotImplementedError("{rid}")\n'
    assert out.text == want, f"{rid}: the handout region is {out.text!r}, want {want!r}"


def given_text():
    """What the reference gives away on purpose: each module's text outside its regions, and the hints."""
    return "\n".join(outside_text(read_source(REFERENCE_DIR / name), name[:-3])
                     + "".join(line for r in regions_of(REFERENCE_DIR, name) for line in split_lines(r.text)
                               if line.strip().startswith("#"))
                     for name in MODULES)


@pytest.mark.parametrize("rid", sorted(REGION_IDS))
def test_no_solution_line_reaches_its_handout_module(rid):
    """Not even in a docstring: the module a student fills must not state a line of its answer."""
    name = rid.split(":")[0] + ".py"
    own = (HANDOUT_DIR / name).read_text(encoding="utf-8")
    lines = [line for region, line in solution_lines() if region == rid]
    assert lines, f"{rid}: the reference region has no code"
    leaked = [line for line in lines if line in own]
    assert leaked == [], f"{rid}: solution lines in the handout's {name}: {leaked}"


@pytest.mark.parametrize("rid", sorted(REGION_IDS))
def test_no_solution_line_reaches_the_handout(rid):
    """A solution line may appear elsewhere in the handout only as often as the given code has it (e.g.
    ``self.cache["Z"] = Z``, which the activations do outside their regions)."""
    everything = "\n".join((HANDOUT_DIR / rel).read_text(encoding="utf-8") for rel in FILES if rel.endswith(".py"))
    given = given_text()
    for line in [line for region, line in solution_lines() if region == rid]:
        assert everything.count(line) <= given.count(line), \
            f"{rid}: {line!r} is in the handout {everything.count(line)} times, in the given code {given.count(line)}"


# --- the generator's edges --------------------------------------------------------------------------

def test_generate_skips_caches_and_hidden_files(tmp_path):
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    (ref / "__pycache__").mkdir(exist_ok=True)
    (ref / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (ref / ".DS_Store").write_bytes(b"\0")
    (ref / "data" / ".notes.swp").write_bytes(b"\0")
    files = handout.generate(ref)
    assert sorted(files) == FILES, f"generated {sorted(set(files) ^ set(FILES))} beyond the handout"


def test_a_region_in_a_subfolder_is_refused(tmp_path):
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    (ref / "data" / "extra.py").write_text("def f():\n    ### BEGIN YOUR CODE ###\n    ### END YOUR CODE ###\n",
                                           encoding="utf-8")
    with pytest.raises(RegionError, match="top-level") as info:
        handout.generate(ref)
    assert info.value.path.endswith("data/extra.py") and info.value.line == 2, f"located at {info.value}"


def test_a_broken_marker_in_the_reference_names_path_and_line(tmp_path):
    ref = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, ref)
    path = ref / "losses.py"
    lines = split_lines(read_source(path))
    end = next(n for n, line in enumerate(lines, start=1) if "### END YOUR CODE ###" in line)
    del lines[end - 1]
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RegionError) as info:
        handout.generate(ref)
    assert info.value.path == str(path) and info.value.line is not None, f"located at {info.value}"


def test_write_removes_what_the_handout_no_longer_has(tmp_path):
    out = tmp_path / "out"
    shutil.copytree(HANDOUT_DIR, out)
    (out / "old_module.py").write_text("x = 1\n", encoding="utf-8")
    (out / ".keep").write_text("", encoding="utf-8")
    handout.write(out)
    assert not (out / "old_module.py").exists(), "a file the handout no longer has should go"
    assert (out / ".keep").exists(), "hidden files are not the generator's to remove"
    assert handout.drift(out) == [], f"drift after write: {handout.drift(out)}"


# --- the students' zip ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def students_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("zip") / "hw1.zip"
    result = autograder("handout", "--zip", str(path))
    assert result.returncode == 0, f"--zip failed (exit {result.returncode}): {result.stderr}"
    return path


def test_the_zip_holds_the_kit_and_nothing_of_the_autograder(students_zip):
    with zipfile.ZipFile(students_zip) as z:
        names = z.namelist()
        top = f"{handout.ZIP_TOP}/"
        assert all(n.startswith(top) for n in names), f"entries outside {top}: {names}"
        want = sorted([f"{PACKAGE}/{rel}" for rel in FILES] + list(KIT_FILES) + ["README.md"])
        assert sorted(n.removeprefix(top) for n in names) == want, f"entries: {sorted(names)}"
        for rel in FILES:
            assert z.read(f"{top}{PACKAGE}/{rel}") == (HANDOUT_DIR / rel).read_bytes(), f"{rel} differs in the zip"
        for name in KIT_FILES:
            assert z.read(top + name) == (REPO_ROOT / name).read_bytes(), f"{name} differs in the zip"
        assert z.read(top + "README.md") == STUDENT_README.read_bytes(), "README.md is not README_STUDENT.md"
    bad = [n for n in names if "autograder" in n or "reference" in n.lower() or "__pycache__" in n]
    assert bad == [], f"the autograder's files reached the zip: {bad}"


def test_no_solution_line_reaches_the_zip(students_zip):
    with zipfile.ZipFile(students_zip) as z:
        texts = {n: z.read(n).decode("utf-8") for n in z.namelist() if not n.endswith(".csv")}
    package = "\n".join(text for n, text in texts.items() if f"/{PACKAGE}/" in n)
    kit = {n: text for n, text in texts.items() if f"/{PACKAGE}/" not in n}
    given = given_text()
    for rid, line in solution_lines():
        assert package.count(line) <= given.count(line), f"{rid}: {line!r} leaked into the zip's package"
        found = [n for n, text in kit.items() if line in text]
        assert found == [], f"{rid}: the solution line {line!r} is in {found}"


def test_the_zip_is_the_same_every_time(students_zip, tmp_path):
    again = tmp_path / "again.zip"
    handout.build_zip(again)
    assert again.read_bytes() == students_zip.read_bytes(), "building the zip twice should give the same bytes"


def test_a_missing_kit_file_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr(handout, "KIT_FILES", KIT_FILES + ("no_such_notebook.ipynb",))
    with pytest.raises(RegionError, match="missing") as info:
        handout.build_zip(tmp_path / "kit.zip")
    assert info.value.path == "no_such_notebook.ipynb" and "\n" not in str(info.value), f"error {info.value}"
    assert not (tmp_path / "kit.zip").exists(), "no zip when a file is missing"


def test_make_submission_runs_in_the_unpacked_kit(students_zip, tmp_path):
    with zipfile.ZipFile(students_zip) as z:
        z.extractall(tmp_path)
    kit = tmp_path / handout.ZIP_TOP
    result = subprocess.run([sys.executable, "make_submission.py", "--name", "张三", "--id", "2024001"], cwd=kit,
                            capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    lines = result.stderr.splitlines()
    optional = json.loads((HANDOUT_DIR / MANIFEST).read_text(encoding="utf-8"))["optional"]
    warnings = [w for w in lines if "not filled in yet" in w]
    assert len(warnings) == len(REGION_IDS) - len(optional) and len(lines) == len(warnings) + 1, \
        f"the fresh kit should warn once per graded region and note the optional ones once: {lines}"
    assert (kit / "submission.md").is_file(), "no submission.md in the unpacked kit"


def test_the_manifest_names_the_regions_of_0_point_sections_optional():
    from autograder.rubric import SECTIONS
    manifest = json.loads((HANDOUT_DIR / MANIFEST).read_text(encoding="utf-8"))
    expected = sorted(rid for s in SECTIONS if not s.points for rid in s.regions)
    assert manifest["optional"] == expected, f"optional regions: {manifest['optional']} != {expected}"
