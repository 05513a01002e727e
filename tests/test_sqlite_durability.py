"""SQLite under crashes and contention, through the service's own Database class.

(tests/test_database.py checks the pragmas on a fresh connection; here they are checked in
the writer processes themselves, then put to work.)

* A writer killed with SIGKILL at a random moment, 50 times: the file passes
  ``PRAGMA integrity_check``, every write the writer acknowledged is there, and every
  transaction is whole (its two rows both present or both absent). Each writer is a new
  process forked from one that has imported the service's code once (importing it fifty
  times was most of the test's time); it opens its own database connection.
* Four processes writing 250 transactions each at the same time all finish, with no
  "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KILL_RUNS = 50
PROCESSES = 4
WRITES_PER_PROCESS = 250

WRITER = """
import sys
from sqlalchemy import text
from syndicate.database import Database

url, mode = sys.argv[1], sys.argv[2]
if mode == "fork":
    # One writer per line of input (a FIFO to write to): fork it, say its pid, then its
    # wait status once it has ended.
    import os
    import sqlalchemy.dialects.sqlite  # what each writer would import first
    for line in sys.stdin:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                out = os.open(line.strip(), os.O_WRONLY)
                os.dup2(out, 1)
                mode = "forever"
                break
            except BaseException:
                os._exit(70)
        print(pid, flush=True)
        print(os.waitpid(pid, 0)[1], flush=True)
    else:
        sys.exit(0)
db = Database(url)
with db.engine.connect() as conn:
    pragmas = [conn.exec_driver_sql(f"PRAGMA {name}").scalar()
               for name in ("journal_mode", "foreign_keys", "busy_timeout")]
print("ready", *pragmas, flush=True)
if mode == "forever":
    blob = "x" * 8192
    n = 0
    while True:
        with db.transaction() as session:
            row_id = session.execute(
                text("INSERT INTO acks (payload) VALUES (:p) RETURNING id"), {"p": "a"}
            ).scalar_one()
            session.execute(
                text("INSERT INTO blobs (ack_id, data) VALUES (:i, :d)"), {"i": row_id, "d": blob}
            )
        print(row_id, flush=True)
else:
    count, tag = int(sys.argv[3]), sys.argv[4]
    sys.stdin.readline()  # everyone starts together
    for n in range(count):
        with db.transaction() as session:
            session.execute(
                text("INSERT INTO acks (payload) VALUES (:p)"), {"p": f"{tag}-{n}"}
            )
    print("done", flush=True)
"""


def _create_schema(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE acks (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        conn.execute(
            "CREATE TABLE blobs (ack_id INTEGER NOT NULL REFERENCES acks(id), data TEXT NOT NULL)"
        )
    conn.close()


@pytest.fixture
def writer_script(tmp_path: Path) -> Path:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    return script


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _check_ready(line: str) -> None:
    fields = line.split()
    assert fields[0] == "ready", line
    journal, foreign_keys, busy = fields[1], int(fields[2]), int(fields[3])
    assert journal == "wal"
    assert foreign_keys == 1
    assert busy >= 5000


def test_killed_writers_lose_no_acknowledged_write(tmp_path: Path, writer_script: Path) -> None:
    path = tmp_path / "crash.db"
    _create_schema(path)
    url = f"sqlite:///{path}"
    rng = random.Random(20240607)
    acknowledged: set[int] = set()
    started = time.monotonic()
    forker = subprocess.Popen(
        [sys.executable, str(writer_script), url, "fork"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert forker.stdin is not None
    assert forker.stdout is not None
    pid = 0
    try:
        for run in range(KILL_RUNS):
            fifo = tmp_path / f"writer-{run}.out"
            os.mkfifo(fifo)
            forker.stdin.write(f"{fifo}\n")
            forker.stdin.flush()
            pid = int(forker.stdout.readline())
            with fifo.open(encoding="utf-8") as writes:
                _check_ready(writes.readline())
                time.sleep(rng.uniform(0.0, 0.08))
                os.kill(pid, signal.SIGKILL)
                out = writes.read()
            status, pid = int(forker.stdout.readline()), 0
            assert os.WIFSIGNALED(status), status
            assert os.WTERMSIG(status) == signal.SIGKILL, status
            # Only complete lines are acknowledgements; a torn last line was never one.
            lines = out.split("\n")
            acknowledged |= {int(line) for line in lines[:-1] if line.strip()}
    finally:
        if pid:  # a failed check leaves no writer running
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            _out, err = forker.communicate(timeout=30)  # closes its input: the loop ends
        finally:
            forker.kill()
    assert forker.returncode == 0, err[-2000:]
    elapsed = time.monotonic() - started

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        present = {row[0] for row in conn.execute("SELECT id FROM acks")}
        blob_ids = [row[0] for row in conn.execute("SELECT ack_id FROM blobs")]
    conn.close()
    lost = acknowledged - present
    assert not lost, f"acknowledged but lost: {sorted(lost)[:20]}"
    # Each transaction is atomic: one blob per ack row, and no blob without its row.
    assert sorted(blob_ids) == sorted(present)
    assert len(acknowledged) > KILL_RUNS  # the writers did real work between the kills
    print(f"\n{KILL_RUNS} SIGKILL runs, {len(acknowledged)} acknowledged writes, {elapsed:.1f}s")


def test_concurrent_writer_processes_never_see_database_is_locked(
    tmp_path: Path, writer_script: Path
) -> None:
    path = tmp_path / "contended.db"
    _create_schema(path)
    url = f"sqlite:///{path}"
    children = [
        subprocess.Popen(
            [sys.executable, str(writer_script), url, "count", str(WRITES_PER_PROCESS), f"p{n}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for n in range(PROCESSES)
    ]
    for child in children:
        assert child.stdout is not None
        _check_ready(child.stdout.readline())
    started = time.monotonic()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [child.communicate(timeout=60) for child in children]
    elapsed = time.monotonic() - started
    for child, (out, err) in zip(children, results, strict=True):
        assert "database is locked" not in err
        assert child.returncode == 0, err[-2000:]
        assert out.strip() == "done"
    with sqlite3.connect(path) as conn:
        total = conn.execute("SELECT count(*) FROM acks").fetchone()[0]
        per_process = dict(
            conn.execute(
                "SELECT substr(payload, 1, instr(payload, '-') - 1), count(*) FROM acks GROUP BY 1"
            ).fetchall()
        )
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert total == PROCESSES * WRITES_PER_PROCESS
    assert per_process == {f"p{n}": WRITES_PER_PROCESS for n in range(PROCESSES)}
    print(f"\n{PROCESSES} processes x {WRITES_PER_PROCESS} writes in {elapsed:.1f}s")
