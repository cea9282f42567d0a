"""The run journal: what each run sent to one target, kept in SQLite so that runs can resume.

There is one database per target (base URL + client code) in the state directory, which is
``--state-dir``, else ``$OPSCOM_STATE_DIR``, else ``$XDG_STATE_HOME/opscom-import``, else
``~/.local/state/opscom-import``. It has two tables:

``runs``
    one row per run: process id, input file and its SHA-256, profile, options, start, end,
    status (``running``, ``finished``, ``interrupted``, ``unfinished``), status counts, and
    whether the run compared its file's vehicles with the journal (a retry does not).
``vehicles``
    one row per vehicle key (plate + province + plate type) ever sent: the hash and JSON of
    the last payload sent with its outcome, the payload OPS-COM stored (outcome ``pushed``),
    and the first run whose file no longer listed the vehicle. Marking only the vehicles that
    go missing or come back, rather than every vehicle listed, keeps a nightly run of an
    unchanged file from rewriting the whole table.

The database runs in WAL mode with ``synchronous=NORMAL``. Outcomes are committed in batches:
once ``BATCH_ROWS`` (1000) wait, when an outcome arrives ``BATCH_SECONDS`` (1 s) or more after
the first of its batch, before any other read or write of the journal, and when it closes.
Until then each outcome is in memory and in the outcome log (``outcome_log``), which receives
it, in one ``write`` call, before the row's outcome is reported. So a process killed with
``kill -9`` loses no outcome it received: only the rows in flight, sent but not yet answered,
are sent again by the next run, which commits the log's outcomes when it opens the journal. A
power failure or an operating system crash may lose what the operating system had not yet
written to disk, from the log and from the database's last commits (nothing is flushed to disk
with ``fsync``), but never corrupts the database; those rows are sent again and OPS-COM answers
"already exists". Payloads are the vehicle fields only; the API token is added by the client
when it sends a request, so it is never stored or hashed here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from importer.config import Target
from importer.errors import UsageError
from importer.outcome_log import OutcomeLog, OutcomeValues
from importer.records import Payload

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
APP_FOLDER = "opscom-import"
TOKEN_FIELD = "apiToken"  # noqa: S105 - the name of the JSON field, not a token
#: Outcomes are committed together once this many wait, or when one arrives this many seconds
#: after the first of its batch. Each commit rewrites every page that its rows fall on, so
#: larger batches write fewer pages per row.
BATCH_ROWS = 1000
BATCH_SECONDS = 1.0
#: Pages written to the write-ahead log before a commit also copies them into the database
#: (SQLite's default is 1000). The copy waits on the disk: with the default, committing 20,000
#: outcomes took 30 µs of wall time per row instead of 18 µs in a benchmark.
CHECKPOINT_PAGES = 10_000
#: Page cache of the connection, in KiB (SQLite's default is 2000).
CACHE_KIB = 16_000

#: Outcomes that mean OPS-COM has the vehicle.
IN_OPSCOM = frozenset({"pushed", "exists"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    command TEXT NOT NULL,
    input_file TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    profile TEXT NOT NULL,
    options TEXT NOT NULL,
    counts TEXT,
    compared INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS vehicles (
    plate TEXT NOT NULL,
    prov TEXT NOT NULL,
    plate_type TEXT NOT NULL,
    payload_hash TEXT,
    payload TEXT,
    outcome TEXT,
    detail TEXT,
    error_code INTEGER,
    sent_at TEXT,
    sent_run INTEGER,
    stored_payload TEXT,
    stored_at TEXT,
    missing_since INTEGER,
    PRIMARY KEY (plate, prov, plate_type)
) WITHOUT ROWID;
"""

#: ``MIGRATIONS[n - 1]`` turns a version ``n`` journal into version ``n + 1``. Version 2 marks
#: only the vehicles that go missing instead of every vehicle listed; the ``seen_*`` columns of
#: version 1 stay unused. Version 3 records which runs compared their file with the journal.
#: Earlier runs did not record it, so every finished run is taken to have compared.
MIGRATIONS = (
    "ALTER TABLE vehicles ADD COLUMN missing_since INTEGER;",
    "ALTER TABLE runs ADD COLUMN compared INTEGER NOT NULL DEFAULT 0;"
    " UPDATE runs SET compared = 1 WHERE status = 'finished';",
)

#: Lists the vehicles missing since a run, each with its last payload sent and the last run
#: that listed it: the latest run before ``missing_since`` that compared its file with the
#: journal or sent the vehicle.
MISSING_VEHICLES = """
SELECT plate, prov, plate_type, coalesce(payload, '{}'), coalesce(listed.started_at, ''),
       coalesce(listed.input_file, '')
FROM vehicles LEFT JOIN runs AS listed ON listed.id = (
    SELECT max(id) FROM runs
    WHERE id < vehicles.missing_since AND (compared = 1 OR id = vehicles.sent_run)
)
WHERE outcome IN ('pushed', 'exists') AND missing_since IS NOT NULL
ORDER BY missing_since DESC, plate LIMIT ?
"""

#: Stores one outcome. ``stored_payload`` changes only when the outcome is ``pushed``.
RECORD_OUTCOME = """
INSERT INTO vehicles (plate, prov, plate_type, payload_hash, payload, outcome, sent_at, sent_run,
                      stored_payload, stored_at, detail, error_code)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, CASE WHEN ?9 IS NULL THEN NULL ELSE ?7 END, ?10, ?11)
ON CONFLICT (plate, prov, plate_type) DO UPDATE SET
    payload_hash = excluded.payload_hash, payload = excluded.payload, outcome = excluded.outcome,
    sent_at = excluded.sent_at, sent_run = excluded.sent_run,
    detail = excluded.detail, error_code = excluded.error_code, missing_since = NULL,
    stored_payload = coalesce(excluded.stored_payload, stored_payload),
    stored_at = coalesce(excluded.stored_at, stored_at)
"""

VehicleKey = tuple[str, str, str]

#: The encoder of stored payloads, made once: ``json.dumps`` with options builds one per call.
#: Its output must not change, because the journal compares hashes of it across versions.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class SentState:
    """The last payload sent for one vehicle: its hash, its outcome and when it was sent.

    ``detail`` and ``error_code`` are the server's message and code for a rejected payload,
    and ``missing_since`` is the first run whose file no longer listed the vehicle.
    """

    payload_hash: str
    outcome: str
    sent_at: str = ""
    detail: str = ""
    error_code: int | None = None
    missing_since: int | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """Payload that OPS-COM is taken to store for a vehicle, with the time it was sent."""

    payload: Payload
    sent_at: str


@dataclass(frozen=True, slots=True)
class MissingVehicle:
    """A vehicle that an earlier file listed and later files do not.

    ``payload`` is the last payload sent for it, and ``listed_at`` and ``listed_file`` the
    start and input file of the last run that listed it (empty when unknown).
    """

    key: VehicleKey
    payload: Payload
    listed_at: str
    listed_file: str


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The ``runs`` row written when a run starts."""

    pid: int
    started_at: str
    command: str
    input_file: str
    input_sha256: str
    profile: str
    options: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class PastRun:
    """An earlier run, as the ``runs`` table shows it."""

    run_id: int
    pid: int
    started_at: str
    input_file: str


def default_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Return ``$OPSCOM_STATE_DIR``, else ``$XDG_STATE_HOME/opscom-import``, else the home one."""
    env = os.environ if environ is None else environ
    if env.get("OPSCOM_STATE_DIR"):
        return Path(env["OPSCOM_STATE_DIR"]).expanduser()
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]).expanduser() / APP_FOLDER
    return Path.home() / ".local" / "state" / APP_FOLDER


def state_dir_options(state_dir: Path | None) -> list[str]:
    """Return ``["--state-dir", DIR]`` for a recorded retry command, or ``[]`` for the default.

    The default compared here leaves out ``$OPSCOM_STATE_DIR``, because the shell that runs
    the retry may not set it, and the retry must lock and record in the run's own folder.
    """
    if state_dir is None:
        return []
    environ = {name: value for name, value in os.environ.items() if name != "OPSCOM_STATE_DIR"}
    folder = state_dir.expanduser().resolve()
    if folder == default_state_dir(environ).resolve():
        return []
    return ["--state-dir", str(folder)]


def target_slug(target: Target) -> str:
    """Return a file-name stem unique to the target: readable host and client code, plus a hash.

    The hash covers the whole base URL and the client code, so two ports or paths on one host
    get two journals. The token is not part of it.
    """
    identity = f"{target.base_url}\n{target.client_code}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    host = target.base_url.split("://", 1)[-1].split("/", 1)[0]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{host}-{target.client_code}")
    return f"{readable}-{digest}"


def journal_path(state_dir: Path, target: Target) -> Path:
    return state_dir / f"{target_slug(target)}.sqlite3"


def vehicle_key(payload: Payload) -> VehicleKey | None:
    """Return plate + province + plate type, case-folded, or ``None`` if one is empty.

    OPS-COM treats a vehicle as unique by these three fields. The payload is taken as the
    validator left it, so any normalising (``Ontario`` to ``ON``) has already happened.
    """
    parts = (
        payload.get("plate", ""),
        payload.get("prov") or payload.get("provID", ""),
        payload.get("plateType") or payload.get("plateTypeID", ""),
    )
    plate, prov, plate_type = [" ".join(part.split()).upper() for part in parts]
    if not (plate and prov and plate_type):
        return None
    return plate, prov, plate_type


def payload_json(payload: Payload) -> str:
    """Serialise the vehicle fields of ``payload`` canonically; a token field is dropped."""
    fields = payload
    if TOKEN_FIELD in payload:
        fields = {name: value for name, value in payload.items() if name != TOKEN_FIELD}
    return _CANONICAL_JSON.encode(fields)


def payload_hash(payload: Payload) -> str:
    """Return a hash of the vehicle fields of ``payload``; a token field is never part of it."""
    return json_hash(payload_json(payload))


def json_hash(body: str) -> str:
    """Return the hash of a payload serialised by ``payload_json``."""
    return hashlib.blake2b(body.encode(), digest_size=16).hexdigest()


def outcome_log_path(path: Path) -> Path:
    """Return the outcome log's path beside the journal database ``path``."""
    return path.with_name(f"{path.name}-outcomes")


def upsert_values(outcome: OutcomeValues) -> tuple[object, ...]:
    """Return the parameters of ``RECORD_OUTCOME`` for one outcome of the outcome log."""
    *fields, detail, error_code = outcome
    stored = outcome[4] if outcome[5] == "pushed" else None
    return (*fields, stored, detail, error_code)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Journal:
    """One target's journal database; open it with ``Journal.open`` and close it when done."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self.batch_rows = BATCH_ROWS
        self.batch_seconds = BATCH_SECONDS
        self._log = OutcomeLog(outcome_log_path(path))
        self._pending: list[OutcomeValues] = []
        self._pending_keys: set[VehicleKey] = set()
        self._batch_started = 0.0

    @classmethod
    def open(cls, state_dir: Path, target: Target) -> Journal:
        """Open (creating if needed) the journal of ``target`` in ``state_dir``."""
        path = journal_path(state_dir, target)
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(
                f"cannot open the run journal {path} ({exc}); pass --state-dir with a "
                "writable folder or set OPSCOM_STATE_DIR."
            ) from exc
        journal = cls(connection, path)
        try:
            journal._set_up()
        except UsageError:
            connection.close()
            raise
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise UsageError(
                f"{path} is not a usable run journal ({exc}). Move it aside to start a new "
                "journal; the next run then sends every row again and OPS-COM answers "
                "'already exists' for the vehicles it has."
            ) from exc
        except OSError as exc:
            connection.close()
            raise UsageError(
                f"cannot read the outcome log {journal._log.path} ({exc}); pass --state-dir "
                "with a writable folder or set OPSCOM_STATE_DIR."
            ) from exc
        return journal

    def _set_up(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"{self.path} was written by a newer opscom-import (journal version "
                f"{version}); upgrade opscom-import or pass another --state-dir."
            )
        if version < SCHEMA_VERSION:
            steps = SCHEMA if version == 0 else "".join(MIGRATIONS[version - 1 :])
            # executescript commits any open transaction first, so the script carries its own.
            self._db.executescript(
                f"BEGIN IMMEDIATE; {steps} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
            )
        self._commit_log()

    def _commit_log(self) -> None:
        """Commit the outcomes left in the log by a process killed before it committed them."""
        left = self._log.read()
        if left:
            self._commit(left)
            logger.info("%s: committed %d outcomes of an unfinished run", self.path, len(left))
        self._log.clear()

    def _transaction(self) -> _Transaction:
        """Commit the pending outcomes, then start a transaction for another write."""
        self.commit_outcomes()
        return _Transaction(self._db)

    def close(self) -> None:
        """Commit the pending outcomes, close the database and remove the emptied outcome log."""
        try:
            self.commit_outcomes()
        finally:
            self._log.close(remove=not self._pending)
            self._db.close()

    # Runs.

    def start_run(self, record: RunRecord) -> int:
        """Insert a ``running`` row for a new run and return its id."""
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO runs (pid, started_at, status, command, input_file, input_sha256,"
                " profile, options) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)",
                (
                    record.pid,
                    record.started_at,
                    record.command,
                    record.input_file,
                    record.input_sha256,
                    record.profile,
                    json.dumps(record.options, sort_keys=True, default=str),
                ),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def close_unfinished_runs(self, before: int) -> list[PastRun]:
        """Mark runs still ``running`` before run ``before`` as ``unfinished``; return them.

        The caller holds the target's lock, so such a run's process has ended without
        finishing: it was killed or the machine stopped.
        """
        rows = self._db.execute(
            "SELECT id, pid, started_at, input_file FROM runs"
            " WHERE status = 'running' AND id < ? ORDER BY id",
            (before,),
        ).fetchall()
        with self._transaction():
            self._db.execute(
                "UPDATE runs SET status = 'unfinished' WHERE status = 'running' AND id < ?",
                (before,),
            )
        return [PastRun(*row) for row in rows]

    def finish_run(
        self, run_id: int, finished_at: str, status: str, counts: Mapping[str, int]
    ) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE id = ?",
                (finished_at, status, json.dumps(dict(counts), sort_keys=True), run_id),
            )

    # Vehicles.

    def sent_states(self) -> dict[VehicleKey, SentState]:
        """Return the last sent hash and outcome of every vehicle that was ever sent."""
        self.commit_outcomes()
        rows = self._db.execute(
            "SELECT plate, prov, plate_type, payload_hash, outcome, coalesce(sent_at, ''),"
            " coalesce(detail, ''), error_code, missing_since FROM vehicles"
        )
        return {(plate, prov, kind): SentState(*state) for plate, prov, kind, *state in rows}

    def mark_missing(self, run_id: int, keys: Iterable[VehicleKey]) -> None:
        """Record that run ``run_id`` compared its file and is the first not to list ``keys``."""
        with self._transaction():
            self._db.execute("UPDATE runs SET compared = 1 WHERE id = ?", (run_id,))
            self._db.executemany(
                "UPDATE vehicles SET missing_since = ?"
                " WHERE plate = ? AND prov = ? AND plate_type = ?",
                ((run_id, *key) for key in keys),
            )

    def mark_listed(self, keys: Iterable[VehicleKey]) -> None:
        """Record that ``keys``, missing from earlier files, are listed again."""
        with self._transaction():
            self._db.executemany(
                "UPDATE vehicles SET missing_since = NULL"
                " WHERE plate = ? AND prov = ? AND plate_type = ?",
                keys,
            )

    def record_outcome(
        self,
        run_id: int,
        key: VehicleKey,
        payload: Payload,
        outcome: str,
        sent_at: str,
        *,
        detail: str = "",
        error_code: int | None = None,
    ) -> None:
        """Store the payload just sent for ``key`` and its outcome.

        The outcome goes to the outcome log at once, and to the database with its batch.
        """
        body = payload_json(payload)
        values = (*key, json_hash(body), body, outcome, sent_at, run_id, detail, error_code)
        self._log.append(values)
        now = time.monotonic()
        if not self._pending:
            self._batch_started = now
        self._pending.append(values)
        self._pending_keys.add(key)
        full = len(self._pending) >= self.batch_rows
        if full or now - self._batch_started >= self.batch_seconds:
            self.commit_outcomes()

    def commit_outcomes(self) -> None:
        """Commit the outcomes recorded since the last batch, then empty the outcome log."""
        if not self._pending:
            return
        self._commit(self._pending)
        self._pending = []
        self._pending_keys.clear()
        self._log.clear()

    def _commit(self, outcomes: list[OutcomeValues]) -> None:
        with _Transaction(self._db):
            self._db.executemany(RECORD_OUTCOME, map(upsert_values, outcomes))

    def reference(self, key: VehicleKey) -> Reference | None:
        """Return the payload OPS-COM stores for ``key`` according to the journal, or ``None``.

        That is the payload whose outcome was ``pushed``, else the last payload whose outcome
        was ``exists``. In the second case OPS-COM kept an older version that this journal
        never saw, so the last payload sent is the best reference there is.
        """
        if key in self._pending_keys:
            self.commit_outcomes()
        row = self._db.execute(
            "SELECT stored_payload, stored_at, payload, sent_at, outcome FROM vehicles"
            " WHERE plate = ? AND prov = ? AND plate_type = ?",
            key,
        ).fetchone()
        if row is None:
            return None
        stored, stored_at, last, sent_at, outcome = row
        if stored is not None:
            return Reference(json.loads(stored), stored_at)
        if outcome == "exists" and last is not None:
            return Reference(json.loads(last), sent_at)
        return None

    def missing(self, limit: int) -> tuple[int, list[MissingVehicle]]:
        """Count the vehicles in OPS-COM that the latest files no longer list; list ``limit``.

        The list is ordered by the run since which each vehicle is missing, latest first.
        """
        self.commit_outcomes()
        count = self._db.execute(
            "SELECT count(*) FROM vehicles WHERE outcome IN ('pushed', 'exists')"
            " AND missing_since IS NOT NULL"
        ).fetchone()[0]
        rows = self._db.execute(MISSING_VEHICLES, (limit,))
        missing = [
            MissingVehicle((plate, prov, kind), json.loads(payload), listed_at, listed_file)
            for plate, prov, kind, payload, listed_at, listed_file in rows
        ]
        return int(count), missing


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back if the block raises."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
