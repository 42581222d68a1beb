"""A GradeReport to JSON and back, losslessly: ``load(dump(report)) == report``.

The round trip is generic over the dataclasses of ``report.py``, ``messages.Msg`` and the sandbox's
``Ending``: each instance becomes an object tagged with its class name, each tuple a list. Reading
accepts only those classes and their fields, so a report.json that was edited or comes from another
version is a clear ``ValueError``, never an object of some other type.
"""

import dataclasses
import json
import math
import numbers

from . import report as _report
from .messages import Msg
from .report import GradeReport
from .sandbox.outcome import Ending

FORMAT = 2                      # bump when a field changes meaning; load refuses other versions
# Every dataclass report.py defines, Msg and Ending: a new field or class there needs nothing here.
_TYPES = {cls.__name__: cls for cls in [*vars(_report).values(), Msg, Ending]
          if isinstance(cls, type) and dataclasses.is_dataclass(cls)
          and cls.__module__ in (_report.__name__, Msg.__module__, Ending.__module__)}
_TAG = "_type"     # no dataclass field starts with "_"


def to_data(report):
    """The report as JSON-ready data: ``{"format": 2, "report": {"_type": "GradeReport", ...}}``."""
    return {"format": FORMAT, "report": _encode(report)}


def from_data(data):
    """The GradeReport that ``to_data`` gave ``data``; ValueError when ``data`` is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a report of format {FORMAT}")
    report = _decode(data.get("report"))
    if not isinstance(report, GradeReport):
        raise ValueError("the data holds no GradeReport")
    return report


def dump(report):
    """The report as JSON text (UTF-8 friendly: Chinese names stay readable)."""
    return json.dumps(to_data(report), ensure_ascii=False, indent=1)


def load(text):
    """The GradeReport in JSON ``text``; ValueError when it is not JSON or not a report."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON ({e})") from None
    return from_data(data)


def _encode(value):
    if _TYPES.get(type(value).__name__) is type(value):
        return {_TAG: type(value).__name__,
                **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Integral):            # a NumPy integer reads back as an int
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        # JSON has no NaN or infinity; a string keeps them (a point total is never a string otherwise).
        return value if math.isfinite(value) else {_TAG: "float", "value": repr(value)}
    raise TypeError(f"a report holds a {type(value).__name__}, which report_io cannot write: {value!r}")


def _decode(value):
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag == "float" and isinstance(value.get("value"), str):
        return float(value["value"])
    cls = _TYPES.get(tag)
    if cls is None:
        raise ValueError(f"unknown object type {tag!r} in a report")
    names = {f.name for f in dataclasses.fields(cls)}
    extra = set(value) - names - {_TAG}
    if extra:
        raise ValueError(f"{tag} has no field {sorted(extra)[0]!r}")
    try:
        return cls(**{k: _decode(v) for k, v in value.items() if k != _TAG})
    except TypeError as e:                      # a required field is missing
        raise ValueError(f"{tag}: {e}") from None
