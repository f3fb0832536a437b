"""The Bolt connection of the Neo4j store: driver, sessions, retries, errors.

Every failure the user can fix becomes one :class:`~graph.base.StoreError`
line that says what is wrong and which setting fixes it. No password ever
appears in one, wherever it was given (``NEO4J_PASSWORD``, config.toml, or
inside the URI as ``bolt://user:password@host``): it is only handed to the
driver, and every message — ours, and text that comes back from the driver —
goes through :func:`redact` before it leaves this module. The driver's own log
records (retries, server notifications) go nowhere unless the application
configures logging for the ``neo4j`` loggers, and are redacted the same way
by a filter on each of them.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager

from paperkg.errors import LibraryBusy, StoreError
from paperkg.graph import cypher
from paperkg.redact import redact, safe_uri, uri_credentials, uri_secrets

#: Secrets of the clients made in this process, for the log filter.
_SECRETS: set[str] = set()
_DRIVER_LOGGERS = ("neo4j", "neo4j.io", "neo4j.pool", "neo4j.session", "neo4j.notifications", "neo4j.auth_management")


class _RedactingFilter(logging.Filter):
    """Rewrites each driver log record with its message redacted (see :func:`redact`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage(), _SECRETS), ()
        return True


logging.getLogger("neo4j").addHandler(logging.NullHandler())
for _name in _DRIVER_LOGGERS:
    logging.getLogger(_name).addFilter(_RedactingFilter())

#: How long a write lease lasts without renewal; a crashed writer's lease expires.
LEASE_SECONDS = 60.0
_CONFLICT_RETRIES = 5
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_HOST = socket.gethostname()
#: Leases held by stores of this process right now.
_HELD: set[str] = set()


def _abandoned(lease) -> bool:
    """Whether a lease's holder is known to be gone: a process of this machine that
    no longer runs, or a store of this process that no longer holds it."""
    if lease["host"] != _HOST or lease["pid"] is None or lease["holder"] is None:
        return False
    if lease["pid"] == os.getpid():
        return lease["holder"] not in _HELD
    try:
        os.kill(lease["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _credentials(settings) -> tuple[str, str]:
    """User and password: the settings', else those written inside the URI (the driver is
    handed the URI without them)."""
    if settings.password:
        return settings.user, settings.password
    user, password = uri_credentials(settings.uri)
    return (user or settings.user, password) if password else (settings.user, "")


class BoltClient:
    """One driver for one database; reads and batched writes with retries."""

    def __init__(self, settings, retry_time: float = 15.0, connection_timeout: float = 10.0):
        import neo4j

        self._neo4j = neo4j
        user, self._password = _credentials(settings)
        self._secrets = {self._password, *uri_secrets(settings.uri)} - {""}
        _SECRETS.update(self._secrets)
        self.uri = safe_uri(settings.uri)
        self.database = settings.database or None
        self._where = f"the Neo4j server at {self.uri}"
        self._lease_id = str(uuid.uuid4())
        self._renewed = 0.0
        scheme = settings.uri.split("://", 1)[0].lower() if "://" in settings.uri else ""
        if scheme not in BOLT_SCHEMES:
            raise StoreError(f"NEO4J_URI {self.uri!r} is not a Bolt address; use bolt://HOST:7687 or neo4j://HOST:7687 "
                             "(+s or +ssc for TLS)")
        with self.errors("connect"):
            try:
                self.driver = neo4j.GraphDatabase.driver(
                    self.uri, auth=(user, self._password), connection_timeout=connection_timeout,
                    max_transaction_retry_time=retry_time, user_agent="paperkg")
            except (ValueError, neo4j.exceptions.ConfigurationError) as exc:
                raise StoreError(f"NEO4J_URI {self.uri!r} is not a Neo4j address ({self.scrub(str(exc))}); "
                                 "use bolt://HOST:7687 or neo4j://HOST:7687") from None
        try:
            with self.errors("connect"):
                self.driver.verify_connectivity()
                self.read(cypher.PING)
        except BaseException:
            self.driver.close()
            raise

    def close(self) -> None:
        self.driver.close()

    # -- queries ------------------------------------------------------------------
    def read(self, query: str, **params) -> list:
        """Records of one read query (a managed transaction, retried when transient)."""
        with self.errors("read"):
            records, _, _ = self.driver.execute_query(query, params, database_=self.database,
                                                      routing_=self._neo4j.RoutingControl.READ)
        return records

    def read_tx(self, work: Callable) -> object:
        """``work(run)`` inside one read transaction, ``run(query, **params)`` giving records:
        several queries, one consistent snapshot, one round trip fewer each."""
        def in_tx(tx):
            return work(lambda query, **params: list(tx.run(query, params)))

        with self.errors("read"):
            with self.driver.session(database=self.database, default_access_mode=self._neo4j.READ_ACCESS) as session:
                return session.execute_read(in_tx)

    def schema(self, statements: list[str]) -> None:
        """Schema statements, each in its own transaction (Neo4j does not mix them with data)."""
        with self.errors("create the constraints and indexes"):
            for statement in statements:
                self.driver.execute_query(statement, database_=self.database)

    def write(self, work: Callable, *args, action: str = "write") -> object:
        """Run ``work(tx, *args)`` in one managed write transaction.

        The driver retries transient errors and lost connections (for up to
        ``retry_time``); ``work`` must therefore not change anything outside
        the transaction. A uniqueness clash from two writers merging the same
        new node at once (ArcadeDB reports it instead of waiting) is retried
        here: every write is a MERGE, so running it again is safe.
        """
        constraint_error = self._neo4j.exceptions.ConstraintError
        with self.errors(action):
            with self.driver.session(database=self.database) as session:
                for attempt in range(_CONFLICT_RETRIES):
                    try:
                        return session.execute_write(work, *args)
                    except constraint_error:
                        if attempt == _CONFLICT_RETRIES - 1:
                            raise
                        time.sleep(0.05 * (attempt + 1))
        return None

    # -- the write lease -------------------------------------------------------------
    def _lease(self, stale: str | None = None):
        now = time.time()
        return self.write(lambda tx: tx.run(cypher.LEASE_TAKE, now=now, until=now + LEASE_SECONDS, me=self._lease_id,
                                            stale=stale, host=_HOST, pid=os.getpid()).single(), action="take the write lease")

    def take_lease(self, wait: float = 0.0, on_wait: Callable[[], None] | None = None) -> None:
        """Become the one writer, waiting up to ``wait`` seconds for another to finish
        (calling ``on_wait`` when the wait begins).

        A lease left by a paperkg process of this machine that is gone (or by an
        earlier store of this process that could not release it: the server was
        down) is taken over at once; any other runs out after ``LEASE_SECONDS``.
        """
        deadline = time.monotonic() + wait
        while True:
            row = self._lease()
            if row["holder"] != self._lease_id and _abandoned(row):
                row = self._lease(stale=row["holder"])
            if row["holder"] == self._lease_id:
                _HELD.add(self._lease_id)
                self._renewed = time.monotonic()
                return
            if time.monotonic() >= deadline:
                left = max(0, int(row["until"] - time.time()))
                raise LibraryBusy(f"the Neo4j database is being written by another paperkg process (pid {row['pid']} on "
                                  f"{row['host']}); wait for it to finish (if it died, its lock runs out in {left}s) "
                                  "and run the command again")
            if on_wait is not None:
                on_wait()
                on_wait = None
            time.sleep(0.5)

    def renew_lease(self) -> None:
        """Extend our lease (at most every third of its length); fails if it ran out
        and another writer took over."""
        if time.monotonic() - self._renewed < LEASE_SECONDS / 3:
            return
        row = self._lease()
        self._renewed = time.monotonic()
        if row["holder"] != self._lease_id:
            raise LibraryBusy(f"this ingest paused for over {LEASE_SECONDS:.0f}s and another paperkg process (pid "
                              f"{row['pid']} on {row['host']}) took over the database; run the ingest again to complete it")

    def release_lease(self) -> None:
        _HELD.discard(self._lease_id)
        try:
            self.write(lambda tx: tx.run(cypher.LEASE_RELEASE, me=self._lease_id).consume(), action="release the write lease")
        except StoreError:
            pass  # the lease runs out by itself, or the next writer here takes it over

    # -- errors ---------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        return redact(text, self._secrets)

    @contextmanager
    def errors(self, action: str):
        """Translate driver errors into one-line :class:`StoreError` s."""
        ex = self._neo4j.exceptions
        try:
            yield
        except StoreError:
            raise
        except ex.AuthError:
            hint = "NEO4J_PASSWORD is not set; " if not self._password else ""
            raise StoreError(f"{self._where} rejected the user name or password; {hint}set NEO4J_USER and "
                             "NEO4J_PASSWORD (or user and password under [neo4j] in config.toml)") from None
        except (ex.ServiceUnavailable, ex.SessionExpired, OSError) as exc:
            if action == "connect":
                raise StoreError(f"cannot connect to {self._where}: {self._reason(exc)}; start the server, or set "
                                 "NEO4J_URI (or uri under [neo4j] in config.toml) to its bolt:// address") from None
            raise StoreError(f"lost the connection to {self._where} (could not {action}: {self._reason(exc)}); "
                             "nothing half-done is visible as finished: run the same command again to complete it") from None
        except ex.Neo4jError as exc:
            code = exc.code or ""
            if code.endswith("DatabaseNotFound"):
                raise StoreError(f"{self._where} has no database {self.database!r}; create it (CREATE DATABASE "
                                 f"{self.database}) or set NEO4J_DATABASE to an existing one") from None
            if ".Security." in code:
                raise StoreError(f"{self._where} does not allow this user to {action} ({code}); ask for a role with "
                                 "write access, or use a read-only command") from None
            message = self.scrub(exc.message or str(exc)).splitlines()[0] if (exc.message or str(exc)) else ""
            raise StoreError(f"{self._where} could not {action}: {code} {message}".rstrip()) from None
        except ex.DriverError as exc:
            raise StoreError(f"Neo4j driver error while trying to {action}: {self.scrub(str(exc)).splitlines()[0]}") from None

    def _reason(self, exc: Exception) -> str:
        text = self.scrub(str(exc))
        for marker in ("Connection refused", "timed out", "Name or service not known", "No route to host",
                       "Connection reset", "Temporary failure in name resolution"):
            if marker.lower() in text.lower():
                return marker.lower()
        return text.splitlines()[0][:160] if text else type(exc).__name__
