"""The renderers of a GradeReport, one per output format. Each is a pure function of the report."""

from .. import lazy_exports

# Imported from their modules on first use: the terminal's imports rich, which only a command that prints
# a table should pay for, and ``render.text`` (whose import runs this file) is needed by the loader.
_EXPORTS = {"render_feedback": "feedback", "write_feedback": "feedback", "to_results_json": "gradescope",
            "write_results_json": "gradescope", "render_terminal": "terminal"}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
