"""Root URLs, API base URLs and route templates: parsed once, expanded per call."""

import re
import string
from typing import Dict, List, Sequence, Tuple
from urllib.parse import quote, urlsplit

__all__ = ["LEGACY_ROOT_URL", "ApiLocation", "CompiledRoute", "api_location", "escape_route_value"]

LEGACY_ROOT_URL = "https://taskcluster.net"
_PARAM = re.compile(r"<([^<>]+)>")


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
    """A route such as `/task/<taskId>/runs/<runId>` compiled to a format string with one slot per parameter."""

    __slots__ = ("template", "params", "_format")

    def __init__(self, template: str) -> None:
        self.template = template
        params: List[str] = []
        pieces: List[str] = []
        position = 0
        for match in _PARAM.finditer(template):
            pieces.append(template[position : match.start()].replace("%", "%%"))
            pieces.append("%s")
            params.append(match.group(1))
            position = match.end()
        # an escaped value is never empty and never holds "/", so only the template's own trailing "/" is removed
        pieces.append(template[position:].replace("%", "%%").rstrip("/"))
        path = "".join(pieces)
        self.params: Tuple[str, ...] = tuple(params)
        self._format = path if path.startswith("/") or not path else "/" + path

    def expand(self, values: Sequence[str]) -> str:
        """The escaped path for route parameter values given in `params` order (trailing `/` removed)."""
        if not values:
            return self._format
        return self._format % tuple([escape_route_value(value) for value in values])
