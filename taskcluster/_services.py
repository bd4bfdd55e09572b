"""The sync service classes for type checkers: `taskcluster/__init__.py` and `taskcluster/client.py` import them
from here under `if TYPE_CHECKING:`, while at run time their module `__getattr__` loads each class lazily.

Nothing imports this module at run time (it would import every service module). The list follows
`taskcluster.generated._registry.SERVICES`; tests/typing/test_lazy_names.py fails when they disagree.
"""

from .generated.auth import Auth as Auth
from .generated.authevents import AuthEvents as AuthEvents
from .generated.awsprovisioner import AwsProvisioner as AwsProvisioner
from .generated.awsprovisionerevents import AwsProvisionerEvents as AwsProvisionerEvents
from .generated.ec2manager import EC2Manager as EC2Manager
from .generated.github import Github as Github
from .generated.githubevents import GithubEvents as GithubEvents
from .generated.hooks import Hooks as Hooks
from .generated.hooksevents import HooksEvents as HooksEvents
from .generated.index import Index as Index
from .generated.login import Login as Login
from .generated.notify import Notify as Notify
from .generated.notifyevents import NotifyEvents as NotifyEvents
from .generated.object import Object as Object
from .generated.pulse import Pulse as Pulse
from .generated.purgecache import PurgeCache as PurgeCache
from .generated.purgecacheevents import PurgeCacheEvents as PurgeCacheEvents
from .generated.queue import Queue as Queue
from .generated.queueevents import QueueEvents as QueueEvents
from .generated.secrets import Secrets as Secrets
from .generated.treeherderevents import TreeherderEvents as TreeherderEvents
from .generated.webserver import WebServer as WebServer
from .generated.workermanager import WorkerManager as WorkerManager
from .generated.workermanagerevents import WorkerManagerEvents as WorkerManagerEvents

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
