"""Root URLs, API base URLs and route templates: parsed once, expanded per call."""

import re
from typing import List, Sequence, Tuple, Union
from urllib.parse import quote, urlsplit

__all__ = ["LEGACY_ROOT_URL", "ApiLocation", "CompiledRoute", "api_location", "escape_route_value"]

LEGACY_ROOT_URL = "https://taskcluster.net"
_PARAM = re.compile(r"<([^<>]+)>")


_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_ASCII_ESCAPES = str.maketrans({chr(code): "%%%02X" % code for code in range(128) if chr(code) not in _SAFE})


_ALL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_SAFE_BUT_SLASHES = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch


def escape_route_value(value: str) -> str:
    """Percent-escape everything but letters, digits and `_.-~`, as Taskcluster services expect."""
    if _ALL_SAFE(value):
        return value
    if _SAFE_BUT_SLASHES(value):  # artifact names: the common case worth a shortcut
        return value.replace("/", "%2F")
    if value.isascii():
        return value.translate(_ASCII_ESCAPES)
    return quote(value, safe="")


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
    """A route such as `/task/<taskId>/runs/<runId>` split into literal text and parameter slots."""

    __slots__ = ("template", "params", "_pieces")

    def __init__(self, template: str) -> None:
        self.template = template
        pieces: List[Union[str, int]] = []
        params: List[str] = []
        position = 0
        for match in _PARAM.finditer(template):
            pieces.append(template[position : match.start()])
            pieces.append(len(params))
            params.append(match.group(1))
            position = match.end()
        pieces.append(template[position:])
        self.params: Tuple[str, ...] = tuple(params)
        self._pieces = tuple(piece for piece in pieces if piece != "")

    def expand(self, values: Sequence[str]) -> str:
        """The escaped path for route parameter values given in `params` order (trailing `/` removed)."""
        out = []
        for piece in self._pieces:
            out.append(piece if piece.__class__ is str else escape_route_value(values[piece]))  # type: ignore[index]
        path = "".join(out).rstrip("/")
        return path if path.startswith("/") or not path else "/" + path
