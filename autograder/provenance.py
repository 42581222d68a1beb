"""Only code written in a region is graded: a region that builds or loads code scores nothing.

Code run from a string, a code object or a file the region wrote is not written in the region: the loop
check cannot read it, and bytecode leaked from the reference would score without a line of the solution.
Two layers find it. This one reads the region's syntax in the parent; the probes' runner
(``probes.guard``) stops a run that makes or loads code all the same, however the names were hidden.
"""

import ast

# Builtins and attributes that run a string or build code, or reach the import system or the builtins
# by another name; and the modules that load code.
NAMES = frozenset({"exec", "eval", "compile", "__import__", "__builtins__", "__code__", "__globals__",
                   "__loader__", "__spec__", "__subclasses__", "CodeType", "FunctionType", "LambdaType"})
MODULES = frozenset({"marshal", "importlib", "runpy", "pickle", "_pickle", "dill", "cloudpickle", "copyreg",
                     "code", "codeop", "builtins", "imp", "zipimport", "subprocess"})
# Used as a name, a module's name is flagged too, but for two that are common words.
_FLAGGED = NAMES | (MODULES - {"code", "imp"})
_NAMESPACES = frozenset({"globals", "locals", "vars"})


def loaded_code(text):
    """``(what, line)``: the first thing in a region's text that builds or loads code (``"marshal"``,
    ``"exec"``, ``"globals()[...]"``), its line 1-based in the region; ``(None, None)`` when there is none
    or the text does not parse (the run then reports the syntax error)."""
    try:
        tree = ast.parse("def _region():\n" + text)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None, None
    found = [(getattr(node, "lineno", 2), getattr(node, "col_offset", 0), what)
             for node in ast.walk(tree) if (what := _flagged(node))]
    if not found:
        return None, None
    line, _, what = min(found)
    return what, max(line - 1, 1)


def _flagged(node):
    if isinstance(node, ast.Name) and node.id in _FLAGGED:
        return node.id
    if isinstance(node, ast.Attribute) and (node.attr in _FLAGGED or (
            node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys")):
        return node.attr if node.attr != "modules" else "sys.modules"
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
        names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
        return next((m for m in modules if m.split(".")[0] in MODULES), None) or \
            next((n for n in names if n in _FLAGGED), None)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in _FLAGGED:
        return repr(node.value)           # getattr(x, "exec"), globals()["__builtins__"]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Name) and node.value.func.id in _NAMESPACES:
        return f"{node.value.func.id}()[...]"
    return None
