"""The renderers of a GradeReport, one per output format. Each is a pure function of the report."""

from .feedback import render_feedback, write_feedback
from .gradescope import to_results_json, write_results_json
from .terminal import render_terminal

__all__ = ["render_feedback", "write_feedback", "to_results_json", "write_results_json", "render_terminal"]
