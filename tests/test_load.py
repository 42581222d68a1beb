"""autograder.load: every form of PATH gives the same regions; bad input gives one clear line or a notice."""

import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from regions import MANIFEST, Submission, find_regions, read_source, render_submission

from autograder import submitted_files
from autograder.handout import generate
from autograder.load import SubmissionError, load_submission
from autograder.paths import HANDOUT_DIR, REFERENCE_DIR
from tests import kits

UPLOAD = "张三_2024123456_hw1_student"


@pytest.fixture(scope="module")
def manifest():
    return json.loads(generate()[MANIFEST])


@pytest.fixture(scope="module")
def reference_texts():
    """Every region's text in the reference solution, by id."""
    return kits.reference_regions()


@pytest.fixture
def upload(tmp_path, manifest, reference_texts):
    """The course's upload folder: ``<name>_<id>_hw1_student/hw1_student/`` with the reference filled in,
    and a submission.md beside the package whose regions differ (the package must win)."""
    package = kits.write_package(tmp_path / "uploads" / UPLOAD, reference_texts)
    decoy = {rid: "    return 'from submission.md'\n" for rid in reference_texts}
    (package.parent / "submission.md").write_text(
        render_submission(Submission("张三", "2024123456", "2025-01-01", decoy)), encoding="utf-8")
    return package.parent


def write_zip(zip_path, entries):
    """A zip of ``{arcname: bytes}``."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for arcname, data in entries.items():
            z.writestr(arcname, data)
    return zip_path


def tree(folder, prefix=""):
    """``{prefix + relative path: bytes}`` of every file under ``folder``."""
    return {prefix + p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def snapshot(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def submission_md(texts, name="李四", student_id="2024000002"):
    return render_submission(Submission(name, student_id, "2025-01-01 10:00 UTC", dict(texts)))


# --- every form of PATH -------------------------------------------------------------------------------

FORMS = ["package folder", "upload folder", "zip of the upload folder", "zip with hw1_student at its top",
         "zip with the package files at its top", "submission.md", "folder holding only submission.md"]


def make_form(form, upload, tmp_path, reference_texts):
    package = upload / "hw1_student"
    if form == "package folder":
        return package
    if form == "upload folder":
        return upload
    if form == "zip of the upload folder":
        return write_zip(tmp_path / f"{UPLOAD}.zip", tree(upload, f"{UPLOAD}/"))
    if form == "zip with hw1_student at its top":
        return write_zip(tmp_path / "upload.zip", tree(package, "hw1_student/"))
    if form == "zip with the package files at its top":
        return write_zip(tmp_path / "upload.zip", tree(package))
    md = submission_md(reference_texts)
    if form == "submission.md":
        (tmp_path / "submission.md").write_text(md, encoding="utf-8")
        return tmp_path / "submission.md"
    (tmp_path / "only_md").mkdir()
    (tmp_path / "only_md" / "submission.md").write_text(md, encoding="utf-8")
    return tmp_path / "only_md"


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_path_gives_the_reference_regions(form, upload, tmp_path, manifest, reference_texts):
    path = make_form(form, upload, tmp_path, reference_texts)
    loaded = load_submission(path, manifest)
    assert loaded.regions == reference_texts, f"{form}: regions differ from the reference's"
    assert loaded.notices == (), f"{form}: a clean submission has no notices, got {loaded.notices}"
    assert loaded.label == str(path), f"{form}: label should be PATH as given"


@pytest.mark.parametrize("form", ["upload folder", "zip of the upload folder", "package folder"])
def test_name_and_id_come_from_the_upload_name(form, upload, tmp_path, manifest, reference_texts):
    loaded = load_submission(make_form(form, upload, tmp_path, reference_texts), manifest)
    assert (loaded.student_name, loaded.student_id) == ("张三", "2024123456"), f"{form}: name/id from {UPLOAD}"


def test_name_with_underscores_takes_the_last_field_as_the_id(upload, tmp_path, manifest):
    zip_path = write_zip(tmp_path / "欧阳_娜娜_2024000001_hw1_student.zip", tree(upload / "hw1_student"))
    loaded = load_submission(zip_path, manifest)
    assert (loaded.student_name, loaded.student_id) == ("欧阳_娜娜", "2024000001"), "id is the field before _hw1_student"


def test_name_comes_from_the_folder_inside_a_plainly_named_zip(upload, tmp_path, manifest):
    zip_path = write_zip(tmp_path / "download.zip", tree(upload, "李四_2024000002_hw1_student/"))
    loaded = load_submission(zip_path, manifest)
    assert (loaded.student_name, loaded.student_id) == ("李四", "2024000002"), "name/id from the zip's top folder"


def test_gbk_names_from_chinese_windows_are_decoded(upload, tmp_path, manifest):
    # zipfile writes non-ASCII names as UTF-8; a GBK name (no UTF-8 flag) is made by patching the bytes.
    placeholder, gbk = b"ABCD_2024000003_hw1_student", "王五_2024000003_hw1_student".encode("gbk")
    assert len(placeholder) == len(gbk), "the placeholder must keep every offset in the zip"
    zip_path = write_zip(tmp_path / "download.zip", tree(upload / "hw1_student", placeholder.decode() + "/hw1_student/"))
    zip_path.write_bytes(zip_path.read_bytes().replace(placeholder, gbk))
    loaded = load_submission(zip_path, manifest)
    assert (loaded.student_name, loaded.student_id) == ("王五", "2024000003"), "a GBK folder name is read as GBK"


def test_submission_md_header_gives_name_and_id(tmp_path, manifest, reference_texts):
    (tmp_path / "submission.md").write_text(submission_md(reference_texts, "赵六", "2024000004"), encoding="utf-8")
    loaded = load_submission(tmp_path / "submission.md", manifest)
    assert (loaded.student_name, loaded.student_id) == ("赵六", "2024000004"), "name/id from the header"


def test_a_plain_package_has_no_name(tmp_path, manifest, reference_texts):
    package = kits.write_package(tmp_path / "somewhere", reference_texts)
    loaded = load_submission(package, manifest)
    assert (loaded.student_name, loaded.student_id) == (None, None), "no upload name, no name/id"


def test_stub_package_loads_without_notices(manifest):
    loaded = load_submission(HANDOUT_DIR, manifest)
    expected = {rid for info in manifest["modules"].values() for rid in info["regions"]}
    assert set(loaded.regions) == expected, "the stubs' regions are all there (graded as not implemented)"
    assert loaded.notices == (), f"an unfilled region is the report's business, not a notice: {loaded.notices}"


# --- bad input: nothing can be graded -----------------------------------------------------------------

def assert_one_line_error(excinfo, *words):
    message = str(excinfo.value)
    assert "\n" not in message, f"the error is one line: {message!r}"
    for word in words:
        assert word in message, f"{word!r} should be in the error {message!r}"


def test_path_that_does_not_exist(tmp_path, manifest):
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(tmp_path / "nope", manifest)
    assert_one_line_error(excinfo, str(tmp_path / "nope"), "does not exist")


def test_empty_folder(tmp_path, manifest):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(tmp_path / "empty", manifest)
    assert_one_line_error(excinfo, "empty folder")


def test_folder_without_package_or_submission(tmp_path, manifest):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "report.md").write_text("hello")
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(tmp_path / "notes", manifest)
    assert_one_line_error(excinfo, "no hw1_student package", "submission.md")


def test_empty_zip(tmp_path, manifest):
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(write_zip(tmp_path / "empty.zip", {}), manifest)
    assert_one_line_error(excinfo, "empty zip")


@pytest.mark.parametrize("data", [b"this is not a zip", b"PK\x03\x04" + b"\0" * 40], ids=["text", "truncated zip"])
def test_not_a_zip(tmp_path, manifest, data):
    (tmp_path / "upload.zip").write_bytes(data)
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(tmp_path / "upload.zip", manifest)
    assert_one_line_error(excinfo, "upload.zip", "not a zip")


def test_a_file_that_is_not_a_submission_md(tmp_path, manifest):
    (tmp_path / "notes.md").write_text("# my notes\n\nnothing here\n")
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(tmp_path / "notes.md", manifest)
    assert_one_line_error(excinfo, "notes.md", "not a submission.md")


def test_several_packages_are_refused(tmp_path, upload, manifest):
    shutil.copytree(upload, tmp_path / "uploads" / "李四_2024000002_hw1_student")
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(tmp_path / "uploads", manifest)
    assert_one_line_error(excinfo, "2 packages", "one submission at a time")


def test_too_many_zip_entries(tmp_path, manifest):
    zip_path = write_zip(tmp_path / "many.zip", {f"junk/{i}.txt": b"" for i in range(submitted_files.MAX_ENTRIES + 1)})
    with pytest.raises(SubmissionError) as excinfo:
        load_submission(zip_path, manifest)
    assert_one_line_error(excinfo, "entries")


# --- bad input: a notice, and the rest is graded ------------------------------------------------------

def the_notice(loaded, *words):
    found = [str(n) for n in loaded.notices if all(w in str(n) for w in words)]
    assert len(found) == 1, f"one notice with {words} expected, got {loaded.notices}"
    assert "\n" not in found[0], f"a notice is one line: {found[0]!r}"
    return found[0]


def activations_ids(manifest):
    return set(manifest["modules"]["activations.py"]["regions"])


def test_zip_entries_leaving_the_zip_are_refused_and_nothing_is_written(tmp_path, upload, manifest, reference_texts):
    work = tmp_path / "work"
    work.mkdir()
    entries = tree(upload / "hw1_student", "hw1_student/")
    entries["../evil.py"] = b"print('escaped')\n"
    entries["/tmp/abs_evil.py"] = b"print('absolute')\n"
    entries["hw1_student/../../evil2.py"] = b"print('escaped')\n"
    zip_path = write_zip(work / "upload.zip", entries)
    before_parent, before_work = snapshot(tmp_path), snapshot(work)
    loaded = load_submission(zip_path, manifest)
    assert loaded.regions == reference_texts, "the package is graded despite the bad entries"
    notice = the_notice(loaded, "3 zip entries ignored", "leaves the zip")
    assert "evil.py" in notice, f"the notice names the entry: {notice}"
    assert snapshot(tmp_path) == before_parent and snapshot(work) == before_work, "nothing written beside the zip"
    assert not Path("/tmp/abs_evil.py").exists(), "nothing written at an absolute path"


def test_zip_symlink_entry_is_refused(tmp_path, upload, manifest, reference_texts):
    entries = tree(upload / "hw1_student", "hw1_student/")
    del entries["hw1_student/activations.py"]
    zip_path = write_zip(tmp_path / "upload.zip", entries)
    link = zipfile.ZipInfo("hw1_student/activations.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(zip_path, "a") as z:       # a link to the hidden reference must not be followed
        z.writestr(link, str(REFERENCE_DIR / "activations.py"))
    before = snapshot(tmp_path)
    loaded = load_submission(zip_path, manifest)
    the_notice(loaded, "hw1_student/activations.py", "symbolic link")
    assert not activations_ids(manifest) & set(loaded.regions), "no region comes through the link"
    assert set(loaded.regions) == set(reference_texts) - activations_ids(manifest), "the other modules are graded"
    assert snapshot(tmp_path) == before, "nothing written beside the zip"


def test_folder_symlink_to_the_reference_is_not_followed(tmp_path, upload, manifest, reference_texts):
    module = upload / "hw1_student" / "activations.py"
    module.unlink()
    module.symlink_to(REFERENCE_DIR / "activations.py")
    loaded = load_submission(upload, manifest)
    the_notice(loaded, "activations.py", "symbolic link")
    assert not activations_ids(manifest) & set(loaded.regions), "no region comes through the link"
    assert set(loaded.regions) == set(reference_texts) - activations_ids(manifest), "the other modules are graded"


def test_zip_bomb_member_is_not_read(tmp_path, upload, manifest, reference_texts):
    entries = tree(upload, f"{UPLOAD}/")
    # A megabyte more than the cap, of blank lines: a few kB compressed, over the cap uncompressed.
    entries[f"{UPLOAD}/hw1_student/activations.py"] = b"\n" * (submitted_files.MAX_FILE_BYTES + 2**20)
    zip_path = write_zip(tmp_path / "bomb.zip", entries)
    assert zip_path.stat().st_size < 2**20, "the test zip is small on disk"
    loaded = load_submission(zip_path, manifest)
    the_notice(loaded, "activations.py", "larger than 4 MB")
    assert set(loaded.regions) == set(reference_texts) - activations_ids(manifest), "the other modules are graded"


def test_total_bytes_read_are_capped(tmp_path, upload, manifest, monkeypatch):
    monkeypatch.setattr(submitted_files, "MAX_TOTAL_BYTES", 20_000)
    loaded = load_submission(upload, manifest)
    notices = [str(n) for n in loaded.notices if "limit" in str(n)]
    assert notices, f"reading stops at the total cap with a notice: {loaded.notices}"
    assert len(loaded.regions) < sum(len(i["regions"]) for i in manifest["modules"].values()), "not everything read"


def test_corrupt_member_costs_only_its_module(tmp_path, upload, manifest, reference_texts):
    entries = tree(upload / "hw1_student", "hw1_student/")
    zip_path = tmp_path / "upload.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as z:
        for arcname, data in entries.items():
            z.writestr(arcname, data)
    data = zip_path.read_bytes()
    marker = b"class ReLU"                             # flip bytes inside activations.py's stored data
    at = data.index(marker)
    zip_path.write_bytes(data[:at] + b"CLASS ReLU" + data[at + len(marker):])
    loaded = load_submission(zip_path, manifest)
    the_notice(loaded, "activations.py", "cannot be read")
    assert set(loaded.regions) == set(reference_texts) - activations_ids(manifest), "the other modules are graded"


def test_non_utf8_module(upload, manifest, reference_texts):
    module = upload / "hw1_student" / "activations.py"
    module.write_bytes(module.read_bytes().replace(b"Element-wise", b"Element\xff-wise", 1))
    loaded = load_submission(upload, manifest)
    notice = the_notice(loaded, "activations.py:", "not UTF-8")
    assert notice.startswith(f"{UPLOAD}/hw1_student/activations.py:1:"), f"path:line from PATH's name: {notice}"
    assert set(loaded.regions) == set(reference_texts) - activations_ids(manifest), "the other modules are graded"


def test_missing_module(upload, manifest, reference_texts):
    (upload / "hw1_student" / "losses.py").unlink()
    (upload / "hw1_student" / "logs.py").unlink()       # no regions: nothing to say
    loaded = load_submission(upload, manifest)
    the_notice(loaded, "losses.py", "missing")
    assert not any("logs.py" in str(n) for n in loaded.notices), f"a module without regions is not needed: {loaded.notices}"
    losses = set(manifest["modules"]["losses.py"]["regions"])
    assert set(loaded.regions) == set(reference_texts) - losses, "the other modules are graded"


def test_missing_region_in_a_module(upload, manifest, reference_texts):
    module = upload / "hw1_student" / "activations.py"
    source = read_source(module)
    region = next(r for r in find_regions(source, "activations") if r.id == "activations:ReLU.forward")
    lines = source.split("\n")
    del lines[region.end - 1], lines[region.begin - 1]          # the student deleted its two markers
    module.write_text("\n".join(lines), encoding="utf-8")
    loaded = load_submission(upload, manifest)
    the_notice(loaded, "region activations:ReLU.forward is missing")
    the_notice(loaded, "activations.py", "changed outside")
    assert set(loaded.regions) == set(reference_texts) - {"activations:ReLU.forward"}, "the rest is graded"


def test_code_changed_outside_the_regions_is_a_notice(upload, manifest, reference_texts):
    module = upload / "hw1_student" / "losses.py"
    module.write_text(read_source(module) + "\nimport numpy.testing  # a helper of mine\n", encoding="utf-8")
    loaded = load_submission(upload, manifest)
    the_notice(loaded, "losses.py", "changed outside", "only the regions are graded")
    assert loaded.regions == reference_texts, "all regions still graded"


def test_duplicated_region_in_a_module(upload, manifest, reference_texts):
    module = upload / "hw1_student" / "activations.py"
    region_text = reference_texts["activations:ReLU.backward"]
    marked = f"        ### BEGIN YOUR CODE ###\n{region_text}        ### END YOUR CODE ###\n"
    source = read_source(module)
    module.write_text(source.replace(marked, marked + marked, 1), encoding="utf-8")
    loaded = load_submission(upload, manifest)
    the_notice(loaded, "activations:ReLU.backward#2")
    assert loaded.regions == reference_texts, "the first copy is graded"


def test_non_utf8_submission_md(tmp_path, manifest, reference_texts):
    data = submission_md(reference_texts).encode("utf-8")
    line = data[:data.index(b"## activations.py")].count(b"\n") + 1
    (tmp_path / "submission.md").write_bytes(data.replace(b"## activations.py", b"## activations\xff.py", 1))
    loaded = load_submission(tmp_path / "submission.md", manifest)
    the_notice(loaded, f"submission.md:{line}:", "not UTF-8")
    assert set(loaded.regions) == set(reference_texts), "every region is still read"


def test_truncated_submission_md(tmp_path, manifest, reference_texts):
    text = submission_md(reference_texts)
    cut = text.index("<!-- region activations:ReLU.backward")
    cut = text.index("```python\n", cut) + len("```python\n") + 5       # inside its code block
    (tmp_path / "submission.md").write_text(text[:cut], encoding="utf-8")
    loaded = load_submission(tmp_path / "submission.md", manifest)
    order = list(reference_texts)
    before = order[:order.index("activations:ReLU.backward")]
    assert loaded.regions == {rid: reference_texts[rid] for rid in before}, "regions before the cut are kept"
    the_notice(loaded, "activations:ReLU.backward", "not closed")
    missing = the_notice(loaded, "missing, so not graded", "losses:CrossEntropyLoss.forward")
    assert "ReLU.backward" not in missing, f"the truncated region has its own notice: {missing}"


def test_missing_region_in_submission_md(tmp_path, manifest, reference_texts):
    texts = {rid: t for rid, t in reference_texts.items() if rid != "losses:CrossEntropyLoss.backward"}
    (tmp_path / "submission.md").write_text(submission_md(texts), encoding="utf-8")
    loaded = load_submission(tmp_path / "submission.md", manifest)
    the_notice(loaded, "submission.md: missing, so not graded: region losses:CrossEntropyLoss.backward")
    assert loaded.regions == texts, "the other regions are graded"


def test_duplicated_region_in_submission_md(tmp_path, manifest, reference_texts):
    text = submission_md(reference_texts)
    start = text.index("### activations:ReLU.forward")
    end = text.index("### activations:ReLU.backward")
    block = text[start:end]
    wrong = block.replace(reference_texts["activations:ReLU.forward"], "        Y = Z\n")
    (tmp_path / "submission.md").write_text(text[:end] + wrong + text[end:], encoding="utf-8")
    loaded = load_submission(tmp_path / "submission.md", manifest)
    the_notice(loaded, "activations:ReLU.forward", "appears twice")
    assert loaded.regions == reference_texts, "the first copy is graded"


def test_unknown_region_in_submission_md_is_ignored(tmp_path, manifest, reference_texts):
    texts = dict(reference_texts, **{"activations:Swish.forward": "        return Z\n"})
    (tmp_path / "submission.md").write_text(submission_md(texts), encoding="utf-8")
    loaded = load_submission(tmp_path / "submission.md", manifest)
    the_notice(loaded, "activations:Swish.forward", "ignored")
    assert loaded.regions == reference_texts, "only the handout's regions are kept"


def test_control_characters_in_notices_are_escaped(tmp_path, upload, manifest):
    entries = tree(upload / "hw1_student", "hw1_student/")
    entries["../\x1b[2Jevil\nline.py"] = b""
    loaded = load_submission(write_zip(tmp_path / "upload.zip", entries), manifest)
    notice = the_notice(loaded, "leaves the zip")
    assert "\x1b" not in notice and "\n" not in notice, f"no raw control character in a notice: {notice!r}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_module(upload, manifest, reference_texts):
    module = upload / "hw1_student" / "losses.py"
    module.chmod(0)
    loaded = load_submission(upload, manifest)
    the_notice(loaded, "losses.py", "cannot be read")


def test_a_region_holding_a_marker_line_is_left_out_and_the_rest_is_graded(tmp_path, manifest, reference_texts):
    # A hand-edited submission.md: the ReLU.forward block swallowed an END and a BEGIN marker.
    text = submission_md(reference_texts).replace(
        "        Y = np.maximum(0.0, Z)\n",
        "        Y = np.maximum(0.0, Z)\n        ### END YOUR CODE ###\n        ### BEGIN YOUR CODE ###\n", 1)
    md = tmp_path / "submission.md"
    md.write_text(text, encoding="utf-8")
    loaded = load_submission(md, manifest)
    assert "activations:ReLU.forward" not in loaded.regions, "the broken region is not graded"
    assert len(loaded.regions) == len(reference_texts) - 1, f"the others are: {sorted(loaded.regions)}"
    assert any("ReLU.forward" in str(n) and "marker" in str(n) for n in loaded.notices), f"notices: {loaded.notices}"


def test_a_submission_md_from_before_the_optional_sections_gets_no_notice(tmp_path, manifest, reference_texts):
    from autograder.rubric import SECTIONS
    optional = {rid for s in SECTIONS if not s.points for rid in s.regions}
    texts = {rid: t for rid, t in reference_texts.items() if rid not in optional}
    (tmp_path / "submission.md").write_text(submission_md(texts), encoding="utf-8")
    loaded = load_submission(tmp_path / "submission.md", manifest)
    assert optional and not loaded.notices, f"0-point regions missing from an old submission.md: {loaded.notices}"
