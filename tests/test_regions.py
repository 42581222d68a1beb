"""The one region parser: ids, marker errors with ``path:line``, and splicing that keeps the rest intact."""

import random

import pytest

from regions import (BEGIN_MARKER, END_MARKER, RegionError, find_regions, is_unfilled, outside_text, read_source,
                     splice, split_lines)


B, E = BEGIN_MARKER, END_MARKER

LAYER = f'''"""A module in the handout's shape."""

import numpy as np


def helper(x):
    {B}
    y = x + 1
    {E}
    return y


class Layer:
    """A layer."""

    def __init__(self):
        self.cache = {{}}

    def forward(self, X):
        self.cache["X"] = X
        {B}
        # first half
        Z = X * 2
        {E}
        Z = Z + 0
        {B}
        # second half
        Y = Z - 1
        {E}
        return Y

    @property
    def size(self):
        {B}
        n = 3
        {E}
        return n

    async def fetch(self):
        {B}
        data = await thing()
        {E}
        return data

    class Inner:
        def go(self):
            {B}
            pass
            {E}


def tail():
    {B}
    {E}
    return None
'''


def test_region_ids_follow_module_and_qualname():
    regions = find_regions(LAYER, "layer", "layer.py")
    ids = [r.id for r in regions]
    assert ids == ["layer:helper", "layer:Layer.forward", "layer:Layer.forward#2", "layer:Layer.size",
                   "layer:Layer.fetch", "layer:Layer.Inner.go", "layer:tail"], f"region ids: {ids}"


def test_a_third_region_in_one_function_is_numbered_3():
    source = "def f():\n" + f"    {B}\n    a = 1\n    {E}\n" * 3
    ids = [r.id for r in find_regions(source, "m", "m.py")]
    assert ids == ["m:f", "m:f#2", "m:f#3"], f"three regions of one function: {ids}"


def test_region_text_lines_and_indent():
    region = find_regions(LAYER, "layer", "layer.py")[1]
    lines = split_lines(LAYER)
    assert lines[region.begin - 1].strip() == B, f"begin={region.begin} is not the BEGIN line"
    assert lines[region.end - 1].strip() == E, f"end={region.end} is not the END line"
    assert region.text == "        # first half\n        Z = X * 2\n", f"text: {region.text!r}"
    assert region.indent == " " * 8, f"indent: {region.indent!r}"
    assert region.module == "layer", f"module: {region.module!r}"


def test_empty_region_has_empty_text():
    tail = find_regions(LAYER, "layer", "layer.py")[-1]
    assert tail.id == "layer:tail" and tail.text == "", f"empty region read as {tail.id}: {tail.text!r}"


# --- marker errors name path:line -----------------------------------------------------------------

BROKEN = {
    "begin without end": (f"def f():\n    x = 1\n    {B}\n    y = 2\n    return y\n", 3, "without a matching"),
    "end without begin": (f"def f():\n    x = 1\n    {E}\n    return x\n", 3, "without a"),
    "nested begin": (f"def f():\n    {B}\n    a = 1\n    {B}\n    b = 2\n    {E}\n", 4, "inside the region"),
    "second begin after unclosed": (f"def f():\n    {B}\n    a = 1\n\ndef g():\n    {B}\n    {E}\n", 6,
                                    "inside the region opened at line 2"),
    "two hashes": (f"def f():\n    ## BEGIN YOUR CODE\n    a = 1\n    {E}\n", 2, "malformed marker"),
    "lower case": (f"def f():\n    ### begin your code ###\n    a = 1\n    {E}\n", 2, "malformed marker"),
    "no closing hashes": (f"def f():\n    {B}\n    a = 1\n    ### END YOUR CODE\n", 4, "malformed marker"),
    "module level": (f"x = 1\n{B}\ny = 2\n{E}\n", 2, "inside a function"),
    "class body": (f"class C:\n    {B}\n    y = 2\n    {E}\n", 2, "inside a function"),
    "after a function": (f"def f():\n    return 1\n\n{B}\ny = 2\n{E}\n", 4, "inside a function"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_marker_errors_name_path_and_line(case):
    source, line, words = BROKEN[case]
    with pytest.raises(RegionError) as info:
        find_regions(source, "m", "pkg/m.py")
    error = info.value
    assert (error.path, error.line) == ("pkg/m.py", line), f"{case}: located at {error.path}:{error.line}"
    assert str(error).startswith(f"pkg/m.py:{line}: "), f"{case}: message {str(error)!r} does not start with path:line"
    assert words in str(error), f"{case}: {str(error)!r} does not say {words!r}"
    assert "\n" not in str(error), f"{case}: the message is not one line: {str(error)!r}"


def test_malformed_marker_message_names_the_right_marker():
    with pytest.raises(RegionError, match=r"must be exactly '### END YOUR CODE ###'") as info:
        find_regions(f"def f():\n    {B}\n    #### END YOUR CODE\n", "m", "m.py")
    assert info.value.line == 3, f"line {info.value.line}"


def test_markers_tolerate_surrounding_whitespace():
    source = f"def f():\n    {B}   \n    a = 1\n\t{E}\n"
    regions = find_regions(source, "m", "m.py")
    assert [r.id for r in regions] == ["m:f"], f"regions: {regions}"


def test_half_written_region_with_a_syntax_error_still_parses():
    source = f"def f(x):\n    {B}\n    y = (x +\n    for in\n    {E}\n    return y\n"
    with pytest.raises(SyntaxError):
        compile(source, "m.py", "exec")
    regions = find_regions(source, "m", "m.py")
    assert [r.id for r in regions] == ["m:f"], f"a syntax error inside a region must not stop the parser: {regions}"
    assert regions[0].text == "    y = (x +\n    for in\n", f"text: {regions[0].text!r}"


def test_a_def_inside_a_region_does_not_change_the_scope():
    source = f"class A:\n    def f(self):\n        {B}\n        def g():\n            return 1\n        {E}\n" \
             f"        return g\n\n    def h(self):\n        {B}\n        pass\n        {E}\n"
    ids = [r.id for r in find_regions(source, "m", "m.py")]
    assert ids == ["m:A.f", "m:A.h"], f"ids: {ids}"


# --- splice keeps everything outside byte for byte --------------------------------------------------

NASTY = ["        z = '张三 😀 ```'\n", "\t\tif a:  \n", "   \n", "        # a \"quote\" and a 'quote'\n",
         "        s = '\\r\\n'\n", "        t = 'form\x0cfeed and\u2028line sep'\n", "\n"]


@pytest.mark.parametrize("seed", range(6))
def test_splice_replaces_only_region_text(seed):
    rng = random.Random(seed)
    regions = find_regions(LAYER, "layer", "layer.py")
    texts = {r.id: "".join(rng.choice(NASTY) for _ in range(rng.randrange(0, 5))) for r in regions
             if rng.random() < 0.7}
    spliced = splice(LAYER, "layer", texts, "layer.py")
    after = {r.id: r for r in find_regions(spliced, "layer", "layer.py")}
    assert [r.id for r in regions] == list(after), f"seed {seed}: the ids changed: {list(after)}"
    for r in regions:
        want = texts.get(r.id, r.text)
        assert after[r.id].text == want, f"seed {seed}: region {r.id} holds {after[r.id].text!r}, want {want!r}"
    assert outside_text(spliced, "layer") == outside_text(LAYER, "layer"), f"seed {seed}: text outside changed"
    back = splice(spliced, "layer", {r.id: r.text for r in regions}, "layer.py")
    assert back == LAYER, f"seed {seed}: splicing the old texts back does not restore the source byte for byte"


def test_splice_keeps_odd_bytes_outside():
    source = f"x = '\u2028'  \t\n\n\ndef f():\r\n    {B}\n    a = 1\n    {E}\n    return a   \n# no newline at end"
    spliced = splice(source, "m", {"m:f": "    a = 2\n"}, "m.py")
    assert spliced == source.replace("a = 1", "a = 2"), f"spliced: {spliced!r}"


def test_outside_text_empties_every_region():
    emptied = outside_text(LAYER, "layer", "layer.py")
    assert all(r.text == "" for r in find_regions(emptied, "layer")), "a region kept text"
    assert "Z = X * 2" not in emptied and "return Y" in emptied, "outside_text removed the wrong lines"


@pytest.mark.parametrize("text, words", [("    a = 1", "whole lines"), (f"    a = 1\n    {E}\n", "marker"),
                                         (f"    {B}\n", "marker"), ("    ## begin your code\n", "marker")],
                         ids=["no newline", "end marker", "begin marker", "loose marker"])
def test_splice_refuses_text_that_would_break_the_regions(text, words):
    with pytest.raises(RegionError, match=words) as info:
        splice(LAYER, "layer", {"layer:helper": text}, "layer.py")
    assert info.value.path == "layer.py" and info.value.line == 7, f"located at {info.value.path}:{info.value.line}"


def test_splice_ignores_unknown_ids():
    assert splice(LAYER, "layer", {"layer:nope": "x = 1\n"}) == LAYER, "an unknown id changed the source"


# --- reading files ---------------------------------------------------------------------------------

def test_read_source_names_the_line_of_the_first_non_utf8_byte(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes("# 第一行\nx = 1\ny = '\xe9'\n".encode("utf-8")[:-5] + b"\xe9'\n")
    with pytest.raises(RegionError, match="not UTF-8") as info:
        read_source(path)
    assert info.value.line == 3, f"the bad byte is on line 3, reported {info.value.line}"


def test_read_source_undoes_windows_line_ends_and_bom(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes("\ufeffdef f():\r\n    return '张'\r\n".encode("utf-8"))
    assert read_source(path) == "def f():\n    return '张'\n", "CRLF and the BOM should be undone"


def test_read_source_missing_file(tmp_path):
    with pytest.raises(RegionError, match="missing") as info:
        read_source(tmp_path / "gone.py")
    assert info.value.path.endswith("gone.py"), f"path: {info.value.path}"


@pytest.mark.parametrize("text, unfilled", [
    ("", True), ("        # a hint\n", True), ('        # hint\n        raise NotImplementedError("m:f")\n', True),
    ("        Y = X\n", False), ('        raise NotImplementedError("m:f")\n        Y = 1\n', False),
    ("        pass\n", False)])
def test_is_unfilled(text, unfilled):
    assert is_unfilled(text) is unfilled, f"is_unfilled({text!r}) should be {unfilled}"
