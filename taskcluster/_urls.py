"""Root URLs, API base URLs and route templates: parsed once, expanded per call."""

import re
import string
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

__all__ = [
    "LEGACY_ROOT_URL",
    "ApiLocation",
    "CompiledRoute",
    "api_location",
    "escape_reserved_value",
    "escape_route_value",
]

LEGACY_ROOT_URL = "https://taskcluster.net"
# Taskcluster's `<name>` and RFC 6570's `{name}` (simple expansion) and `{+name}` (reserved expansion)
_PARAM = re.compile(r"<([^<>]+)>|\{(\+?)([^{}+]+)\}")
_RESERVED = ":/?#[]@!$&'()*+,;="
_PCT_TRIPLET = re.compile(r"%[0-9A-Fa-f]{2}")


_SAFE = string.ascii_letters + string.digits + "_.-~"
_ASCII_ESCAPES = str.maketrans({chr(code): "%%%02X" % code for code in range(128) if chr(code) not in _SAFE})
_ALL_SAFE = re.compile("[%s]*" % re.escape(_SAFE)).fullmatch
_SAFE_BUT_SLASHES = re.compile("[%s/]*" % re.escape(_SAFE)).fullmatch


_ESCAPED: Dict[str, str] = {}  # values that needed escaping (artifact names recur), bounded below


def escape_route_value(value: str) -> str:
    """Percent-escape everything but letters, digits and `_.-~`, as Taskcluster services expect."""
    if _ALL_SAFE(value):
        return value
    escaped = _ESCAPED.get(value)
    if escaped is None:
        if _SAFE_BUT_SLASHES(value):
            escaped = value.replace("/", "%2F")
        elif value.isascii():
            escaped = value.translate(_ASCII_ESCAPES)
        else:
            escaped = quote(value, safe="")
        if len(_ESCAPED) >= 4096:
            _ESCAPED.clear()
        _ESCAPED[value] = escaped
    return escaped


def escape_reserved_value(value: str) -> str:
    """RFC 6570 reserved expansion (`{+name}`): percent-escape all but unreserved and reserved characters, keeping
    the `%XX` escapes already in the value."""
    if "%" not in value:
        return quote(value, safe=_RESERVED)
    pieces = []
    position = 0
    for match in _PCT_TRIPLET.finditer(value):
        pieces.append(quote(value[position : match.start()], safe=_RESERVED))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(quote(value[position:], safe=_RESERVED))
    return "".join(pieces)


class ApiLocation:
    """Where one service's API lives for a root URL: base URL, and the host, port and path Hawk signs."""

    __slots__ = ("base_url", "host", "port", "base_path")

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.base_path = parts.path

    def __repr__(self) -> str:
        return "ApiLocation(%r)" % self.base_url


def api_location(root_url: str, service_name: str, api_version: str) -> ApiLocation:
    """The API location of a service: `<rootUrl>/api/<service>/<version>`, or the legacy per-service host."""
    if root_url == LEGACY_ROOT_URL:
        return ApiLocation("https://%s.taskcluster.net/%s" % (service_name, api_version))
    return ApiLocation("%s/api/%s/%s" % (root_url, service_name, api_version))


class CompiledRoute:
    """A route such as `/task/<taskId>/runs/<runId>` or `v2/{+name}:run` compiled to a format string with one slot
    per parameter; `<name>` and `{name}` escape every character but letters, digits and `_.-~`, `{+name}` keeps `/`
    and the other reserved characters."""

    __slots__ = ("template", "params", "_format", "_reserved")

    def __init__(self, template: str) -> None:
        self.template = template
        params: List[str] = []
        reserved: List[bool] = []
        pieces: List[str] = []
        position = 0
        for match in _PARAM.finditer(template):
            pieces.append(template[position : match.start()].replace("%", "%%"))
            pieces.append("%s")
            params.append(match.group(1) or match.group(3))
            reserved.append(match.group(2) == "+")
            position = match.end()
        # an escaped value is never empty and never holds "/", so only the template's own trailing "/" is removed
        pieces.append(template[position:].replace("%", "%%").rstrip("/"))
        path = "".join(pieces)
        self.params: Tuple[str, ...] = tuple(params)
        self._format = path if path.startswith("/") or not path else "/" + path
        self._reserved: Optional[Tuple[bool, ...]] = tuple(reserved) if any(reserved) else None

    def expand(self, values: Sequence[str]) -> str:
        """The escaped path for route parameter values given in `params` order (trailing `/` removed)."""
        if not values:
            return self._format
        if self._reserved is None:
            return self._format % tuple([escape_route_value(value) for value in values])
        return self._format % tuple(
            [
                escape_reserved_value(value) if reserved else escape_route_value(value)
                for value, reserved in zip(values, self._reserved)
            ]
        )
