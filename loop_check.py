"""The vectorisation check: the first Python loop over samples or elements in a region's code. The same code
serves the autograder (the "vectorised" checks) and the students' ``self_check.py``. Standard library only.
"""

import ast

# Calls that hide a Python loop behind a function.
LOOPING_CALLS = frozenset({"vectorize", "apply_along_axis", "frompyfunc", "map", "fromiter"})
_CONTAINER_NAMES = frozenset({"parameters", "gradients", "cache", "layers", "params", "grads"})
_CONTAINER_METHODS = frozenset({"items", "keys", "values"})
_WRAPPERS = frozenset({"reversed", "zip", "enumerate", "list"})


def find_loop(text):
    """``(kind, line)`` of the first loop in a region's text, or ``(None, None)``.

    ``kind`` is ``"for"``, ``"while"``, ``"comprehension"`` or the name of a looping call (``"vectorize"``);
    ``line`` is 1-based in the region. Raises SyntaxError when the region does not parse, RecursionError or
    MemoryError when it nests deeper than the parser goes.
    """
    tree = ast.parse("def _region():\n" + text)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 2) - 1
        if isinstance(node, ast.While):
            return "while", line
        if isinstance(node, (ast.For, ast.AsyncFor)) and not _over_containers(node.iter):
            return "for", line
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)) \
                and not all(_over_containers(g.iter) for g in node.generators):
            return "comprehension", line
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in LOOPING_CALLS:
                return name, line
    return None, None


def _over_containers(iterable):
    """Whether a loop's iterable is a layer's dict, a few names written out or the network's layers, which is
    not a loop in the math and is allowed: ``self.parameters.items()``, ``("W", "b")``, ``reversed(self.layers)``,
    ``zip(params, grads)``."""
    if isinstance(iterable, (ast.Tuple, ast.List)):
        return all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in iterable.elts)
    if isinstance(iterable, ast.Call):
        func = iterable.func
        if isinstance(func, ast.Attribute) and func.attr in _CONTAINER_METHODS and not iterable.args:
            return True
        return isinstance(func, ast.Name) and func.id in _WRAPPERS and bool(iterable.args) \
            and all(_over_containers(a) for a in iterable.args)
    if isinstance(iterable, ast.Attribute):
        return iterable.attr in _CONTAINER_NAMES
    return isinstance(iterable, ast.Name) and iterable.id in _CONTAINER_NAMES
