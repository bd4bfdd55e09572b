"""Conveniences for scripts and tasks that talk to one Taskcluster deployment.

`TaskclusterConfig` picks credentials the way a program usually wants them (explicit ones, then the
environment, then the Taskcluster proxy of the task it runs in, then none) and hands out service clients
built with them; `load_secrets` merges a secret (or a local stand-in for it) into a plain dict and checks
that the keys a program needs are there. `upload_artifact` is kept for old callers only.

This is the API of the historical client's `taskcluster.helper`, with these additions: `get_service`
accepts every service under any usual spelling (``"worker-manager"``, ``"WorkerManager"``, ...),
temporary credentials in the environment keep their ``TASKCLUSTER_CERTIFICATE``, and errors name what
is wrong. Importing this module loads no HTTP library; that is why `ArtifactUploadError` (which derives
from `requests.HTTPError`) is built on first access and left out of ``__all__``.
"""

import datetime
import importlib
import logging
import os
import re
import urllib.parse
import warnings
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

import taskcluster

from . import _log  # noqa: F401  (sets the package logger up)
from .exceptions import TaskclusterFailure, TaskclusterRestFailure
from .generated._registry import SERVICES
from .utils import stringDate

__all__ = [
    "HelperError",
    "MissingSecretError",
    "TaskclusterConfig",
    "load_secrets",
    "upload_artifact",
]

logger: logging.Logger = logging.getLogger(__name__)

#: Where a task reaches the Taskcluster proxy when ``TASKCLUSTER_PROXY_URL`` is not set.
DEFAULT_PROXY_URL = "http://taskcluster"

#: (connect, read) timeout in seconds of the artifact upload's PUT.
UPLOAD_TIMEOUT = (30.0, 300.0)

_SPELLING_NOISE = re.compile(r"[-_\s]")
_SERVICE_BY_KEY: Dict[str, str] = {name.lower(): name for name in SERVICES}


class HelperError(TaskclusterFailure, AssertionError):
    """The helper cannot do what was asked: no deployment URL, an unknown service, a missing secret name,
    an upload outside a task. It is an `AssertionError` too, which is what the historical helper raised."""


class MissingSecretError(TaskclusterFailure):
    """Keys listed as required are absent from the loaded secrets; `missing` lists them in order."""

    def __init__(self, missing: List[str]) -> None:
        if len(missing) == 1:
            message = "Missing value %s in secrets." % missing[0]
        else:
            message = "Missing values %s in secrets." % ", ".join(missing)
        super().__init__(message)
        self.missing: List[str] = list(missing)

    def __reduce__(self) -> Any:
        return (self.__class__, (self.missing,))


def _service_class_name(service_name: str) -> str:
    """The client class a service name designates, ignoring case, ``-``, ``_`` and spaces."""
    if not isinstance(service_name, str):
        raise TypeError("service_name must be a str, not %s" % type(service_name).__name__)
    found = _SERVICE_BY_KEY.get(_SPELLING_NOISE.sub("", service_name).lower())
    if found is None:
        raise HelperError(
            "Invalid Taskcluster service %r; valid names are %s (any case; '-', '_' and spaces ignored)"
            % (service_name, ", ".join(sorted(SERVICES)))
        )
    return found


class TaskclusterConfig:
    """Credentials and deployment of a program, and the service clients made from them.

    `default_url` is the deployment's root URL, from the argument or ``TASKCLUSTER_ROOT_URL``; `options`
    holds the client options once `auth` ran, and `secrets` the result of the last `load_secrets`.
    """

    def __init__(self, url: Optional[str] = None) -> None:
        """Remember the deployment; raise `HelperError` (an `AssertionError`) when no URL is known."""
        self.options: Optional[Dict[str, Any]] = None
        self.secrets: Optional[Dict[str, Any]] = None
        default_url = url if url is not None else os.environ.get("TASKCLUSTER_ROOT_URL")
        if default_url is None:
            raise HelperError(
                "You must specify a Taskcluster deployment url: pass TaskclusterConfig(url=...) "
                "or set TASKCLUSTER_ROOT_URL"
            )
        self.default_url: str = default_url

    def auth(self, client_id: Optional[str] = None, access_token: Optional[str] = None, max_retries: int = 12) -> None:
        """Build `options` from the best credentials available, so later clients are authenticated.

        By preference: `client_id` and `access_token` when both are given; else, when neither is given,
        ``TASKCLUSTER_CLIENT_ID`` and ``TASKCLUSTER_ACCESS_TOKEN`` (with ``TASKCLUSTER_CERTIFICATE`` if
        set); else, inside a task (``TASK_ID`` set), the proxy at ``TASKCLUSTER_PROXY_URL`` (default
        ``http://taskcluster``), which signs for the task; else anonymous calls to `default_url`.
        """
        options: Dict[str, Any] = {"maxRetries": max_retries}
        certificate = None
        if client_id is None and access_token is None:
            client_id = os.environ.get("TASKCLUSTER_CLIENT_ID")
            access_token = os.environ.get("TASKCLUSTER_ACCESS_TOKEN")
            certificate = os.environ.get("TASKCLUSTER_CERTIFICATE") or None
            origin = "the environment"
        else:
            origin = "the arguments"

        if client_id is not None and access_token is not None:
            credentials = {"clientId": client_id, "accessToken": access_token}
            if certificate is not None:
                credentials["certificate"] = certificate
            options["credentials"] = credentials
            options["rootUrl"] = self.default_url
            logger.info(
                "Taskcluster credentials from %s: clientId %r%s",
                origin,
                client_id,
                " with a temporary-credentials certificate" if certificate is not None else "",
            )
        elif "TASK_ID" in os.environ:
            options["rootUrl"] = os.environ.get("TASKCLUSTER_PROXY_URL", DEFAULT_PROXY_URL)
            logger.info("No Taskcluster credentials; running in a task, using the proxy at %s", options["rootUrl"])
        else:
            options["rootUrl"] = self.default_url
            logger.info("No Taskcluster credentials; calls to %s are anonymous", self.default_url)
        self.options = options

    def get_service(self, service_name: str, use_async: bool = False) -> Any:
        """A new client of the named service with the current options (running `auth()` first if needed).

        Any spelling works: ``"queue"``, ``"Queue"``, ``"worker-manager"``, ``"worker_manager"``,
        ``"WorkerManager"``, ``"queueEvents"``...; `use_async` gives the `taskcluster.aio` class. An unknown
        name raises `HelperError` (an `AssertionError`, as in the historical helper) listing the valid ones.
        """
        if self.options is None:
            self.auth()
        class_name = _service_class_name(service_name)
        clients = importlib.import_module("taskcluster.aio") if use_async else taskcluster
        return getattr(clients, class_name)(self.options)

    def load_secrets(
        self,
        secret_name: Optional[str],
        prefixes: Optional[Iterable[str]] = (),
        required: Optional[Iterable[str]] = (),
        existing: Optional[Mapping[str, Any]] = None,
        local_secrets: Optional[Mapping[str, Any]] = None,
    ) -> Dict[str, Any]:
        """`load_secrets` with this configuration's Secrets client; the result is also kept in `secrets`."""
        service = self.get_service("secrets")
        try:
            self.secrets = load_secrets(service, secret_name, prefixes, required, existing, local_secrets)
        finally:
            _close(service)
        return self.secrets

    def upload_artifact(
        self, artifact_path: str, content: Union[str, bytes], content_type: str, ttl: datetime.timedelta
    ) -> str:
        """Deprecated: `upload_artifact` with this configuration's Queue client; returns the artifact's
        absolute URL on `default_url`."""
        warnings.warn(_UPLOAD_DEPRECATED, DeprecationWarning, stacklevel=2)
        queue = self.get_service("queue")
        try:
            path = _upload_artifact(queue, artifact_path, content, content_type, ttl)
        finally:
            _close(queue)
        return urllib.parse.urljoin(self.default_url, path)


def _close(client: Any) -> None:
    """Release the connections of a client made for one call (clients from an overridden `get_service`
    may have no `close`)."""
    close = getattr(client, "close", None)
    if close is not None:
        close()


def _detached(value: Any) -> Any:
    """`value` with its dicts and lists copied all the way down, so the result shares no container."""
    if isinstance(value, dict):
        return {key: _detached(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_detached(item) for item in value]
    return value


def load_secrets(
    secrets_service: Any,
    secret_name: Optional[str],
    prefixes: Optional[Iterable[str]] = (),
    required: Optional[Iterable[str]] = (),
    existing: Optional[Mapping[str, Any]] = None,
    local_secrets: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """Merge a secret into a new dict and check that every `required` key is in it.

    The result starts from `existing`; the source is `local_secrets` when it is a dict (no call to the
    service, handy for local development), else the ``secret`` of `secrets_service.get(secret_name)`.
    With `prefixes`, only the sub-dicts under those keys are merged, in order; without, the whole source.
    Raises `MissingSecretError` naming absent required keys; no argument is modified.
    """
    merged: Dict[str, Any] = dict(existing) if existing else {}
    if isinstance(local_secrets, dict):
        logger.info("Using the local secrets given (the secrets service is not called)")
        source: Mapping[str, Any] = local_secrets
    else:
        if secret_name is None:
            raise HelperError("Missing Taskcluster secret secret_name (or local_secrets as a dict)")
        source = secrets_service.get(secret_name).get("secret", {})
        logger.info("Loaded Taskcluster secret %s", secret_name)

    if prefixes:
        for prefix in prefixes:
            merged.update(source.get(prefix, {}))
    else:
        merged.update(source)

    missing = [key for key in (required or ()) if key not in merged]
    if missing:
        raise MissingSecretError(missing)
    detached: Dict[str, Any] = _detached(merged)
    return detached


_UPLOAD_DEPRECATED = (
    "taskcluster.helper.upload_artifact is deprecated: create the artifact with Queue.createArtifact "
    "and upload it yourself"
)


def upload_artifact(
    queue_service: Any,
    artifact_path: str,
    content: Union[str, bytes],
    content_type: str,
    ttl: datetime.timedelta,
) -> str:
    """Deprecated: store `content` as an s3 artifact of the running task, expiring after `ttl`.

    Needs ``TASK_ID``, ``RUN_ID`` and ``TASKCLUSTER_PROXY_URL`` (it only works inside a task); returns the
    artifact's path, ``/api/queue/v1/task/<taskId>/runs/<runId>/artifacts/<artifact_path>``.
    """
    warnings.warn(_UPLOAD_DEPRECATED, DeprecationWarning, stacklevel=2)
    return _upload_artifact(queue_service, artifact_path, content, content_type, ttl)


def _upload_artifact(
    queue_service: Any,
    artifact_path: str,
    content: Union[str, bytes],
    content_type: str,
    ttl: datetime.timedelta,
) -> str:
    needed = ("TASK_ID", "RUN_ID", "TASKCLUSTER_PROXY_URL")
    absent = [name for name in needed if not os.environ.get(name)]
    if absent:
        raise HelperError(
            "upload_artifact only works inside a Taskcluster task with the proxy: %s not set" % ", ".join(absent)
        )
    task_id, run_id = os.environ["TASK_ID"], os.environ["RUN_ID"]
    if isinstance(content, str):
        data = content.encode("utf-8")
    elif isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
    else:
        raise HelperError("upload_artifact content must be str or bytes, not %s" % type(content).__name__)
    if not isinstance(ttl, datetime.timedelta):
        raise HelperError("upload_artifact ttl must be a datetime.timedelta, not %s" % type(ttl).__name__)

    expires = stringDate(datetime.datetime.now(datetime.timezone.utc) + ttl)
    answer = queue_service.createArtifact(
        task_id,
        run_id,
        artifact_path,
        {"storageType": "s3", "expires": expires, "contentType": content_type},
    )
    if not isinstance(answer, dict) or answer.get("storageType") != "s3":
        raise HelperError("createArtifact for %s did not answer with s3 storage" % artifact_path)
    for key in ("putUrl", "contentType"):
        if key not in answer:
            raise HelperError("createArtifact for %s answered without %s" % (artifact_path, key))

    import requests

    response = requests.put(
        answer["putUrl"], data=data, headers={"Content-Type": answer["contentType"]}, timeout=UPLOAD_TIMEOUT
    )
    try:
        response.raise_for_status()
    except requests.HTTPError as error:
        failure = _artifact_upload_error_class()(
            "Uploading artifact %s of task %s run %s failed: HTTP %d %s"
            % (artifact_path, task_id, run_id, response.status_code, response.reason),
            error,
            response.status_code,
            {},
        )
        failure.response = response
        failure.request = response.request
        raise failure from None
    finally:
        response.close()
    return "/api/queue/v1/task/%s/runs/%s/artifacts/%s" % (task_id, run_id, artifact_path)


@lru_cache(maxsize=None)
def _artifact_upload_error_class() -> type:
    import requests

    class ArtifactUploadError(TaskclusterRestFailure, requests.HTTPError):
        """The storage refused an artifact upload: a `TaskclusterRestFailure` with the HTTP status, and a
        `requests.HTTPError` (with `response`) as the historical helper raised."""

    ArtifactUploadError.__module__ = __name__
    ArtifactUploadError.__qualname__ = "ArtifactUploadError"
    return ArtifactUploadError


def __getattr__(name: str) -> Any:
    # ArtifactUploadError derives from requests.HTTPError, so it is built on first use: importing this
    # module must not import requests.
    if name == "ArtifactUploadError":
        cls = _artifact_upload_error_class()
        globals()[name] = cls
        return cls
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
