"""Request bodies read as the services read them: strict JSON that every JSON implementation represents alike.

Python's parser is more lenient than JSON (and than the services' ``JSON.parse``) in ways that would let a body
in that cannot be stored or served back: it reads ``NaN``, ``Infinity`` and ``-Infinity``, turns ``1e400`` into
an infinity, keeps lone UTF-16 surrogates (``"\\ud800"``, which UTF-8 cannot encode, so SQLite refuses them),
guesses UTF-16 and UTF-32, and parses integers of any length (beyond any double; in quadratic time before
Python 3.11). `loads`
refuses all of these, and bodies nested more than `MAX_DEPTH` levels deep, before anything walks the value
recursively (default filling, schema validation, the error body's redaction).

The extra checks cost nothing for ordinary bodies: each runs only when a fast scan of the raw text says it
might be needed (an exponent or a long run of digits, a ``\\uD8..`` escape, more than `MAX_DEPTH` brackets).
"""

import itertools
import json
import math
import re
from typing import Any, Dict, List

__all__ = ["MAX_DEPTH", "BodyError", "loads", "nesting"]

#: Deepest nesting of objects and arrays accepted in a body (the body itself is level 1).
MAX_DEPTH = 100
# the largest double has 309 integer digits
_MAX_INT_DIGITS = 309

# strings (an unterminated one runs to the end: one pass, however the quotes and backslashes are arranged),
# brackets, digits
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_BRACKET_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_DIGITS = bytes.maketrans(b"0123456789", b"9999999999")
_LONG_NUMBER = b"9" * (_MAX_INT_DIGITS + 1)
# an escaped UTF-16 surrogate (the escape may itself be escaped: then the walk finds nothing)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(ValueError):
    """The body is not JSON the services accept; ``str()`` says why."""


def _constant(name: str) -> Any:
    raise BodyError("%s is not a JSON value (JSON numbers are finite)" % name)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError("the number %s is too large for a JSON number (a double)" % _short(text))
    return value


def _int(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if digits > _MAX_INT_DIGITS:
        raise BodyError("the number %s is too large for a JSON number (a double)" % _short(text))
    value = int(text)
    if digits == _MAX_INT_DIGITS:
        try:
            float(value)
        except OverflowError:
            raise BodyError("the number %s is too large for a JSON number (a double)" % _short(text)) from None
    return value


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def nesting(body: bytes) -> int:
    """How deep the objects and arrays of the JSON text ``body`` nest (0 for a scalar), found without parsing
    it: strings removed, then the running count of opening minus closing brackets (all in C)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET).translate(_BRACKET_SIGNS)
    return max(itertools.accumulate(memoryview(brackets).cast("b")), default=0)


def _has_surrogate(value: Any) -> bool:
    stack: List[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            for key, child in node.items():
                if _SURROGATE.search(key):
                    return True
                stack.append(child)
        elif isinstance(node, list):
            stack.extend(node)
    return False


def loads(body: bytes) -> Any:
    """The JSON value of ``body`` (UTF-8, a BOM allowed); `BodyError` saying what is wrong otherwise."""
    # more levels than opening brackets is impossible: count them first and measure only bodies that could be deep
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and nesting(body) > MAX_DEPTH:
        raise BodyError("the body is nested more than %d levels deep" % MAX_DEPTH)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise BodyError("the body is not UTF-8 (byte %d)" % e.start) from None
    hooks: Dict[str, Any] = {"parse_constant": _constant, "parse_float": _float}
    if _LONG_NUMBER in body.translate(_DIGITS):
        hooks["parse_int"] = _int
    try:
        value = json.loads(text, **hooks)
    except BodyError:
        raise
    except RecursionError:  # not after the check above; kept so that no input can make it a 500
        raise BodyError("the body is nested more than %d levels deep" % MAX_DEPTH) from None
    except ValueError as e:  # json.JSONDecodeError, and int() beyond sys.get_int_max_str_digits()
        raise BodyError(str(e)) from None
    if _SURROGATE_ESCAPE.search(body) and _has_surrogate(value):
        raise BodyError("the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not Unicode text")
    return value
