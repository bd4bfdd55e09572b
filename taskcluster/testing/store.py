"""The deployment's state: one SQLite database (stdlib ``sqlite3``), a file or a private temporary one.

All access goes through one connection guarded by a lock; ``transaction()`` wraps a ``BEGIN IMMEDIATE`` /
``COMMIT``, so each API call's reads and writes are atomic. The service modules own their SQL; this module
owns the schema and its migrations, the client rows (`Tx.insert_client`, `Tx.restore_client`), seeding
(root client, anonymous role) and ``reset()``.

Access tokens are stored as given (this is a test deployment); they never appear in logs or errors.
"""

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional

from ..utils import slugId
from ._time import format_date, now

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "Tx", "new_access_token"]

SCHEMA_VERSION = 2

#: Statements that bring a database of schema version N (the key) to N + 1 (run after ``_SCHEMA``, which
#: creates the tables that are new).
_MIGRATIONS = {
    1: ["ALTER TABLE artifacts ADD COLUMN present INTEGER NOT NULL DEFAULT 1"],
}

#: ``expires`` of the root client and of clients created without an expiry.
NEVER_EXPIRES = "3000-01-01T00:00:00.000Z"
ROOT_DESCRIPTION = "Root client of the local deployment"

#: The anonymous role's scopes in a fresh store: public artifacts are readable without credentials, as
#: in Taskcluster deployments (endpoints without scopes, like ping, need none).
DEFAULT_ANONYMOUS_SCOPES = ["queue:get-artifact:public/*"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY,
    access_token TEXT NOT NULL,
    description TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires TEXT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    last_date_used TEXT NOT NULL,
    last_rotated TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    delete_on_expiration INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS roles (
    role_id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created TEXT NOT NULL,
    last_modified TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL UNIQUE,
    task_group_id TEXT NOT NULL,
    task_queue_id TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    state TEXT NOT NULL,
    retries_left INTEGER NOT NULL,
    definition TEXT NOT NULL,
    runs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_group ON tasks (task_group_id, seq);
CREATE INDEX IF NOT EXISTS tasks_pending ON tasks (task_queue_id, state, priority_rank, seq);

CREATE TABLE IF NOT EXISTS task_dependencies (
    dependency TEXT NOT NULL,
    dependent_seq INTEGER NOT NULL,
    dependent TEXT NOT NULL,
    PRIMARY KEY (dependency, dependent_seq)
);

CREATE TABLE IF NOT EXISTS task_groups (
    task_group_id TEXT PRIMARY KEY,
    scheduler_id TEXT NOT NULL,
    expires TEXT NOT NULL,
    sealed TEXT
);

CREATE TABLE IF NOT EXISTS artifacts (
    task_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    storage_type TEXT NOT NULL,
    content_type TEXT NOT NULL,
    expires TEXT NOT NULL,
    details TEXT NOT NULL,
    upload_token TEXT UNIQUE,
    download_token TEXT UNIQUE,
    data BLOB,
    present INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (task_id, run_id, name)
);

CREATE TABLE IF NOT EXISTS index_namespaces (
    namespace TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    name TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS index_namespaces_by_parent ON index_namespaces (parent, name);

CREATE TABLE IF NOT EXISTS index_tasks (
    namespace TEXT PRIMARY KEY,
    parent TEXT NOT NULL,
    name TEXT NOT NULL,
    task_id TEXT NOT NULL,
    rank REAL NOT NULL,
    data TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS index_tasks_by_parent ON index_tasks (parent, name);

CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    expires TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS objects (
    name TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    upload_id TEXT NOT NULL,
    expires TEXT NOT NULL,
    upload_expires TEXT NOT NULL,
    hashes TEXT NOT NULL,
    content_type TEXT,
    content_length INTEGER,
    put_token TEXT UNIQUE,
    put_expires TEXT,
    data BLOB,
    finished TEXT,
    sha256 TEXT,
    sha512 TEXT
);

CREATE TABLE IF NOT EXISTS object_downloads (
    token TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS object_downloads_by_expiry ON object_downloads (expires);

CREATE TABLE IF NOT EXISTS purge_requests (
    worker_pool_id TEXT NOT NULL,
    cache_name TEXT NOT NULL,
    before TEXT NOT NULL,
    PRIMARY KEY (worker_pool_id, cache_name)
);
"""

_TABLES = (
    "clients",
    "roles",
    "tasks",
    "task_dependencies",
    "task_groups",
    "artifacts",
    "index_namespaces",
    "index_tasks",
    "secrets",
    "purge_requests",
    "objects",
    "object_downloads",
)


class StoreError(Exception):
    """The database file cannot be used (e.g. written by an incompatible version)."""


def new_access_token() -> str:
    return slugId() + slugId()


class Store:
    """The SQLite state of one deployment.

    ``path=None`` creates a private temporary database that ``close()`` deletes. A file path keeps the
    state: opening the same file again finds everything as it was.
    """

    def __init__(self, path: Optional[str] = None) -> None:
        self._tempdir: Optional[str] = None
        if path is None:
            self._tempdir = tempfile.mkdtemp(prefix="taskcluster-local-")
            path = os.path.join(self._tempdir, "state.sqlite")
        self.path: str = os.fspath(path)
        self.lock: threading.RLock = threading.RLock()
        #: bumped whenever roles change, so callers can cache role expansions
        self.roles_version: int = 0
        self._roles_cache: Optional[Dict[str, List[str]]] = None
        self._conn: Optional[sqlite3.Connection] = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False
        )
        conn = self._conn
        conn.row_factory = sqlite3.Row
        if self._tempdir is not None:
            conn.execute("PRAGMA journal_mode=MEMORY")
            conn.execute("PRAGMA synchronous=OFF")
        else:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=OFF")
        try:
            with self.transaction() as db:
                db.executescript_in_tx(_SCHEMA)
                row = db.one("SELECT value FROM meta WHERE key = 'schema_version'")
                if row is None:
                    db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                elif row["value"] != str(SCHEMA_VERSION):
                    self._migrate(db, row["value"])
        except BaseException:
            self.close()
            raise

    def _migrate(self, db: "Tx", version: str) -> None:
        """Bring a database of an older schema ``version`` up to SCHEMA_VERSION (in the open transaction)."""
        if not version.isdigit() or int(version) not in _MIGRATIONS:
            raise StoreError(
                "%s holds a local-deployment database of schema version %s; this version needs %s "
                "(use another file)" % (self.path, version, SCHEMA_VERSION)
            )
        for step in range(int(version), SCHEMA_VERSION):
            for statement in _MIGRATIONS[step]:
                db.execute(statement)
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    # ------------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator["Tx"]:
        """An exclusive write transaction; commits on success, rolls back on any exception."""
        with self.lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            tx = Tx(conn, self)
            try:
                yield tx
            except BaseException:
                conn.execute("ROLLBACK")
                if tx.roles_changed:
                    self._roles_cache = None
                raise
            else:
                conn.execute("COMMIT")
                if tx.roles_changed:
                    self.roles_version += 1
                    self._roles_cache = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("the store is closed")
        return self._conn

    def roles(self) -> Dict[str, List[str]]:
        """All roles as roleId -> scopes (cached until a role changes)."""
        with self.lock:
            if self._roles_cache is None:
                rows = self._connection().execute("SELECT role_id, scopes FROM roles").fetchall()
                self._roles_cache = {r["role_id"]: json.loads(r["scopes"]) for r in rows}
            return self._roles_cache

    def get_client(self, client_id: str) -> Optional[sqlite3.Row]:
        with self.lock:
            row: Optional[sqlite3.Row] = (
                self._connection().execute("SELECT * FROM clients WHERE client_id = ?", (client_id,)).fetchone()
            )
            return row

    # ------------------------------------------------------------------------------------------------------
    def ensure_root(self, client_id: str, access_token: Optional[str], clock: float) -> str:
        """Create or refresh the root client (scope ``*``, enabled); returns its access token.

        Without an ``access_token`` an existing root client keeps its token (so a restart on the same file
        keeps credentials working), and a new one gets a random token.
        """
        with self.transaction() as db:
            access_token = db.restore_client(
                client_id, ["*"], NEVER_EXPIRES, format_date(now(clock)), ROOT_DESCRIPTION, access_token
            )
            seeded = db.one("SELECT value FROM meta WHERE key = 'seeded'")
            if seeded is None:
                self._seed(db, clock)
        return access_token

    def _seed(self, db: "Tx", clock: float) -> None:
        stamp = format_date(now(clock))
        db.execute(
            "INSERT OR IGNORE INTO roles (role_id, description, scopes, created, last_modified) VALUES (?, ?, ?, ?, ?)",
            ("anonymous", "Scopes of requests without credentials", json.dumps(DEFAULT_ANONYMOUS_SCOPES), stamp, stamp),
        )
        db.roles_changed = True
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded', '1')")

    def reset(
        self,
        root_client_id: str,
        root_access_token: str,
        clients: Mapping[str, List[str]],
        description: str,
        clock: float,
    ) -> Dict[str, str]:
        """Forget everything; re-seed the defaults and restore the root client (same token, scope ``*``,
        enabled) and the configured ``clients`` (clientId -> scopes, enabled, keeping their tokens).

        Returns the access tokens of the configured clients by clientId.
        """
        keep = [root_client_id] + list(clients)
        stamp = format_date(now(clock))
        with self.transaction() as db:
            for table in _TABLES:
                if table == "clients":
                    marks = ",".join("?" for _ in keep)
                    db.execute("DELETE FROM clients WHERE client_id NOT IN (%s)" % marks, tuple(keep))
                else:
                    db.execute("DELETE FROM %s" % table)
            db.execute("DELETE FROM sqlite_sequence")
            db.roles_changed = True
            self._seed(db, clock)
            db.restore_client(root_client_id, ["*"], NEVER_EXPIRES, stamp, ROOT_DESCRIPTION, root_access_token)
            return {
                cid: db.restore_client(cid, scopes, NEVER_EXPIRES, stamp, description)
                for cid, scopes in clients.items()
            }

    def close(self) -> None:
        with self.lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._tempdir is not None:
                shutil.rmtree(self._tempdir, ignore_errors=True)
                self._tempdir = None


class Tx:
    """The handle a transaction yields: small helpers over the connection."""

    __slots__ = ("conn", "roles_changed", "store")

    def __init__(self, conn: sqlite3.Connection, store: Store) -> None:
        self.conn: sqlite3.Connection = conn
        self.store: Store = store
        self.roles_changed: bool = False

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executescript_in_tx(self, script: str) -> None:
        for statement in script.split(";"):
            if statement.strip():
                self.conn.execute(statement)

    def one(self, sql: str, params: Any = ()) -> Optional[sqlite3.Row]:
        row: Optional[sqlite3.Row] = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Any = ()) -> List[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    # -- clients -------------------------------------------------------------------------------------------
    def insert_client(
        self,
        client_id: str,
        access_token: str,
        description: str,
        scopes: List[str],
        expires: str,
        stamp: str,
        delete_on_expiration: bool = False,
    ) -> None:
        """Add a new (enabled) client; ``stamp`` is its created / last-modified / used / rotated time."""
        self.execute(
            "INSERT INTO clients (client_id, access_token, description, scopes, expires, created, last_modified, "
            "last_date_used, last_rotated, disabled, delete_on_expiration) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (
                client_id,
                access_token,
                description,
                json.dumps(scopes),
                expires,
                stamp,
                stamp,
                stamp,
                stamp,
                int(delete_on_expiration),
            ),
        )

    def restore_client(
        self,
        client_id: str,
        scopes: List[str],
        expires: str,
        stamp: str,
        description: str,
        access_token: Optional[str] = None,
    ) -> str:
        """Create ``client_id``, or give the existing one these scopes and expiry and enable it; returns its
        access token (``access_token`` if given, else the existing one, else a new random one)."""
        row = self.one("SELECT access_token FROM clients WHERE client_id = ?", (client_id,))
        token: str
        if access_token is not None:
            token = access_token
        else:
            token = row["access_token"] if row is not None else new_access_token()
        if row is None:
            self.insert_client(client_id, token, description, scopes, expires, stamp)
        else:
            self.execute(
                "UPDATE clients SET access_token = ?, scopes = ?, expires = ?, disabled = 0, last_modified = ? "
                "WHERE client_id = ?",
                (token, json.dumps(scopes), expires, stamp, client_id),
            )
        return token
