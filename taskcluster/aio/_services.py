"""The async service classes for type checkers: `taskcluster/aio/__init__.py` imports them from here under
`if TYPE_CHECKING:`, while at run time its module `__getattr__` loads each class lazily.

Nothing imports this module at run time (it would import every service module). The list follows
`taskcluster.generated._registry.SERVICES`; tests/typing/test_lazy_names.py fails when they disagree.
"""

from ..generated.aio.auth import Auth as Auth
from ..generated.aio.authevents import AuthEvents as AuthEvents
from ..generated.aio.awsprovisioner import AwsProvisioner as AwsProvisioner
from ..generated.aio.awsprovisionerevents import AwsProvisionerEvents as AwsProvisionerEvents
from ..generated.aio.ec2manager import EC2Manager as EC2Manager
from ..generated.aio.github import Github as Github
from ..generated.aio.githubevents import GithubEvents as GithubEvents
from ..generated.aio.hooks import Hooks as Hooks
from ..generated.aio.hooksevents import HooksEvents as HooksEvents
from ..generated.aio.index import Index as Index
from ..generated.aio.login import Login as Login
from ..generated.aio.notify import Notify as Notify
from ..generated.aio.notifyevents import NotifyEvents as NotifyEvents
from ..generated.aio.object import Object as Object
from ..generated.aio.pulse import Pulse as Pulse
from ..generated.aio.purgecache import PurgeCache as PurgeCache
from ..generated.aio.purgecacheevents import PurgeCacheEvents as PurgeCacheEvents
from ..generated.aio.queue import Queue as Queue
from ..generated.aio.queueevents import QueueEvents as QueueEvents
from ..generated.aio.secrets import Secrets as Secrets
from ..generated.aio.treeherderevents import TreeherderEvents as TreeherderEvents
from ..generated.aio.webserver import WebServer as WebServer
from ..generated.aio.workermanager import WorkerManager as WorkerManager
from ..generated.aio.workermanagerevents import WorkerManagerEvents as WorkerManagerEvents

__all__ = [
    "Auth",
    "AuthEvents",
    "AwsProvisioner",
    "AwsProvisionerEvents",
    "EC2Manager",
    "Github",
    "GithubEvents",
    "Hooks",
    "HooksEvents",
    "Index",
    "Login",
    "Notify",
    "NotifyEvents",
    "Object",
    "Pulse",
    "PurgeCache",
    "PurgeCacheEvents",
    "Queue",
    "QueueEvents",
    "Secrets",
    "TreeherderEvents",
    "WebServer",
    "WorkerManager",
    "WorkerManagerEvents",
]
