"""The package's logger, `taskcluster`, set up once by the first module that logs (not by `import taskcluster`,
which stays free of the logging import): a NullHandler, so an application that configures no logging sees no retry
warnings on stderr, and DEBUG_TASKCLUSTER_CLIENT=1 for debug output of every request."""

import logging
import os

__all__ = ["log"]

#: The `taskcluster` logger (also `taskcluster.log`); the modules' loggers are its children.
log: logging.Logger = logging.getLogger("taskcluster")
if os.environ.get("DEBUG_TASKCLUSTER_CLIENT"):
    log.setLevel(logging.DEBUG)
    if not log.handlers:
        log.addHandler(logging.StreamHandler())
log.addHandler(logging.NullHandler())
