"""Decoding answers: `json.loads`, or orjson when it is installed (`pip install taskcluster[speed]`), with the same
results: whatever orjson refuses (NaN, lone surrogates, other encodings than UTF-8, deep nesting) is decoded, or
refused, by `json` itself, and so is a document with a run of 19 or more digits (orjson reads an integer beyond 64
bits as a float, where `json` keeps it exact)."""

import json
from typing import Any, Optional

__all__ = ["loads"]

_orjson: Any = None
_looked: Optional[bool] = None
# every digit to "0", everything else to " ": a run of 19 zeros then marks a number orjson might not keep exact
_DIGITS = bytes(48 if 48 <= code <= 57 else 32 for code in range(256))
_LONG_NUMBER = b"0" * 19


def _load_orjson() -> Any:
    global _orjson, _looked
    try:
        import orjson as module
    except ImportError:
        module = None  # type: ignore[assignment]
    _orjson = module
    _looked = True
    return module


def loads(data: bytes) -> Any:
    """The value of a JSON document given as bytes (any encoding `json.loads` detects)."""
    orjson = _orjson if _looked else _load_orjson()
    if orjson is not None and data.translate(_DIGITS).find(_LONG_NUMBER) < 0:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)
