"""Exceptions raised by the client.

    TaskclusterFailure                  anything the client refuses or cannot complete
     +-- TaskclusterRestFailure         the service answered with an error status
     +-- TaskclusterAuthFailure         bad credentials (HTTP 401, or unusable credentials given to us)
     +-- TaskclusterConnectionError     no usable answer: refused, dropped, timed out
     +-- TaskclusterTopicExchangeFailure  a routing-key pattern could not be built
     +-- TaskclusterArtifactError       an artifact cannot be fetched (kept for compatibility)
     +-- ObjectHashVerificationError    downloaded data did not match its hashes (kept for compatibility)

    TaskclusterOptionWarning (UserWarning)  an unknown option key that looks like a misspelt known one

The constructors and attributes are those of the historical client, so programs that build or
catch these keep working; every class pickles (for multiprocessing).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported for type checkers only: it costs `import taskcluster` as much as the rest
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

__all__ = [
    "TaskclusterFailure",
    "TaskclusterRestFailure",
    "TaskclusterAuthFailure",
    "TaskclusterConnectionError",
    "TaskclusterTopicExchangeFailure",
    "TaskclusterArtifactError",
    "ObjectHashVerificationError",
    "TaskclusterOptionWarning",
]


class TaskclusterFailure(Exception):
    """Base class of every error the client raises on purpose."""


class _AnsweredFailure(TaskclusterFailure):
    """What the two failures built from an HTTP answer share: the status and the parsed error body."""

    def __init__(
        self,
        msg: str,
        superExc: Optional[BaseException] = None,
        status_code: int = 500,
        body: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(msg)
        self.superExc: Optional[BaseException] = superExc
        self.status_code: int = status_code
        self.body: Dict[str, Any] = {} if body is None else body

    def __reduce__(self) -> Any:
        return (self.__class__, (self.args[0], self.superExc, self.status_code, self.body))


class TaskclusterRestFailure(_AnsweredFailure):
    """The service answered with an error status; `status_code` and the parsed `body` tell which."""

    def __init__(
        self,
        msg: str,
        superExc: Optional[BaseException],
        status_code: int = 500,
        body: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(msg, superExc, status_code, body)


class TaskclusterAuthFailure(_AnsweredFailure):
    """Authentication failed (HTTP 401) or the credentials given to the client are unusable."""


class TaskclusterConnectionError(TaskclusterFailure):
    """No usable answer after every retry: connection refused or dropped, or a timeout."""

    def __init__(self, msg: str, superExc: Optional[BaseException] = None) -> None:
        super().__init__(msg)
        self.superExc: Optional[BaseException] = superExc

    def __reduce__(self) -> Any:
        return (self.__class__, (self.args[0], self.superExc))


class TaskclusterTopicExchangeFailure(TaskclusterFailure):
    """A routing-key pattern for a pulse exchange could not be built from the given values."""


class TaskclusterArtifactError(TaskclusterFailure):
    """An artifact cannot be fetched; `reason` says why."""

    def __init__(self, message: str, reason: Any) -> None:
        super().__init__(message)
        self.reason: Any = reason

    def __reduce__(self) -> Any:
        return (self.__class__, (self.args[0], self.reason))


class ObjectHashVerificationError(TaskclusterFailure):
    """Downloaded data did not match the hashes the service recorded."""


class TaskclusterOptionWarning(UserWarning):
    """An option key (or credentials key) the client does not know but that looks like a misspelling of one it does
    (`timout`, `maxRetry`, `rooturl`, `clientID`); the warning names the key it probably meant. Unknown keys are
    otherwise ignored, as always."""
