"""Where the command line finds its deployment and credentials: the TASKCLUSTER_* environment variables
(read with `taskcluster.optionsFromEnvironment`), overridden by the global flags."""

import argparse
import json
from typing import Any, Dict, List, Mapping, NoReturn, Optional

from .output import UsageError

__all__ = ["CliParser", "Config", "add_global_options", "credential_secrets", "merge_flags", "GLOBAL_DESTS"]

#: Attribute names of the global flags on a parsed namespace.
GLOBAL_DESTS = ("root_url", "client_id", "access_token", "certificate")


class CliParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become `UsageError` (one line on stderr, exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Raise the parse error as a `UsageError` naming the command and where to find its help."""
        raise UsageError("%s: %s (see '%s --help')" % (self.prog, message, self.prog))


def add_global_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """Add --root-url, --client-id, --access-token and --certificate to `parser`.

    On a command's parser they default to "not given" (argparse.SUPPRESS), so a flag given before the command
    name is not undone by its absence after it.
    """
    default: Any = None if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("global options (override the TASKCLUSTER_* environment variables)")
    group.add_argument("--root-url", metavar="URL", default=default, help="the deployment's root URL")
    group.add_argument("--client-id", metavar="ID", default=default, help="the clientId to sign requests with")
    group.add_argument(
        "--access-token",
        metavar="TOKEN",
        default=default,
        help="the accessToken (visible to other users in the process list: prefer TASKCLUSTER_ACCESS_TOKEN)",
    )
    group.add_argument(
        "--certificate", metavar="JSON", default=default, help="the certificate of temporary credentials"
    )


def merge_flags(before: Mapping[str, Optional[str]], ns: argparse.Namespace) -> Dict[str, Optional[str]]:
    """The global flags of a run: those given after the command name win over those given before it."""
    merged = {dest: before.get(dest) for dest in GLOBAL_DESTS}
    for dest in GLOBAL_DESTS:
        value = getattr(ns, dest, None)
        if value:
            merged[dest] = value
    return merged


class Config:
    """The client options for this run: environment variables first, then the global flags over them."""

    def __init__(self, flags: Mapping[str, Optional[str]], env: Optional[Mapping[str, str]] = None) -> None:
        """Read the environment (or `env`), then apply the given global flags over it."""
        from ..utils import optionsFromEnvironment

        self._options: Dict[str, Any] = optionsFromEnvironment(env=env)
        root_url = flags.get("root_url")
        if root_url:
            self._options["rootUrl"] = root_url.rstrip("/")
        overrides = {
            key: flags.get(dest)
            for key, dest in (
                ("clientId", "client_id"),
                ("accessToken", "access_token"),
                ("certificate", "certificate"),
            )
            if flags.get(dest)
        }
        if overrides:
            credentials = dict(self._options.get("credentials") or {})
            credentials.update(overrides)
            self._options["credentials"] = credentials

    @property
    def root_url(self) -> Optional[str]:
        """The root URL, or None when neither TASKCLUSTER_ROOT_URL nor --root-url gave one."""
        value = self._options.get("rootUrl")
        return value if isinstance(value, str) and value else None

    @property
    def credentials(self) -> Optional[Dict[str, str]]:
        """`{"clientId", "accessToken"[, "certificate"]}`, or None when there are no credentials at all."""
        credentials = self._options.get("credentials")
        return dict(credentials) if credentials else None

    def secrets(self) -> List[str]:
        """Strings that must never be printed: the accessToken, the certificate and its signature."""
        credentials = self._options.get("credentials") or {}
        return credential_secrets(credentials.get("accessToken"), credentials.get("certificate"))

    def options(self, need_credentials: bool = False, what: str = "this command") -> Dict[str, Any]:
        """Client options, checked: a usable root URL, and credentials complete (or required)."""
        root_url = self.root_url
        if root_url is None:
            raise UsageError(
                "%s needs the deployment's root URL: set TASKCLUSTER_ROOT_URL or pass --root-url "
                "(e.g. https://tc.example.com)" % what
            )
        if not root_url.startswith(("http://", "https://")):
            raise UsageError("the root URL must start with http:// or https://, got %r" % root_url)
        options: Dict[str, Any] = {"rootUrl": root_url}
        credentials = self.credentials
        if credentials is not None:
            has_id, has_token = bool(credentials.get("clientId")), bool(credentials.get("accessToken"))
            if has_id != has_token:
                missing = (
                    "TASKCLUSTER_ACCESS_TOKEN (or --access-token)"
                    if has_id
                    else "TASKCLUSTER_CLIENT_ID (or --client-id)"
                )
                raise UsageError("incomplete credentials: %s is not set" % missing)
            if not has_id:
                credentials = None  # only a certificate: nothing to sign with
            else:
                certificate = credentials.get("certificate")
                if certificate:
                    _check_certificate(certificate)
                options["credentials"] = credentials
        if need_credentials and credentials is None:
            raise UsageError(
                "%s needs credentials: set TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN "
                "(or pass --client-id and --access-token)" % what
            )
        return options


def credential_secrets(access_token: Any, certificate: Any) -> List[str]:
    """The secret strings of a set of credentials: the accessToken, the certificate and its signature."""
    found = [access_token if isinstance(access_token, str) else ""]
    if isinstance(certificate, str):
        found.append(certificate)
        try:
            found.append(str(json.loads(certificate).get("signature") or ""))
        except (ValueError, AttributeError):
            pass
    return [secret for secret in found if secret]


def _check_certificate(certificate: str) -> None:
    """Refuse a certificate that is not a JSON object, without ever echoing it (it holds a signature)."""
    try:
        parsed = json.loads(certificate)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise UsageError("TASKCLUSTER_CERTIFICATE (or --certificate) must be the JSON object of a certificate")
