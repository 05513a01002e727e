"""Instructions per answer from memory, counted by callgrind, against a floor in the same run.

wrk's throughput on a small shared machine moves more from one round to the next than a
change to the answer's own code does. This counts that code exactly instead: a throwaway
SQLite instance gets the feed benchmark's data (1,000 articles, 50 partners), then one
process per target runs under ``valgrind --tool=callgrind``, builds the application as
``syndicate serve`` does, warms the caches, and answers the target ``--answers`` times
through the whole WSGI stack. A process that warms up and answers nothing is the baseline;
a target's cost is its main thread's instructions less the baseline's, per answer. Targets:

* a partner feed (gzip, 200) and its 304, answered by the fast path;
* an article page for an anonymous reader, answered by the page cache;
* the floor: ``floor.py``, returning the feed's bytes as the feed benchmark's floor does.

Each answer's environ is a fresh copy, for the floor too. The version poller and the fetch
counter's timer run in threads of their own, which are not counted; they are set not to
read on the main thread meanwhile. Needs valgrind (Debian package ``valgrind``); takes about
four minutes on two cores.

    .venv/bin/python bench/instructions.py [--answers 20000]
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

BENCH_DIR = Path(__file__).resolve().parent
# The feed benchmark is named like the project's ``feeds`` package: look for packages from
# the project root, never from this directory.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))
TARGETS = ("feed", "feed-304", "page", "floor")
# The stamp stays trusted and no fetch count falls due while valgrind runs slowly.
CONFIG = "[cache]\nversion_poll_ms = 1000\nversion_trust_ms = 600000\n"
CONFIG += "[pickups]\nfetch_flush_seconds = 3600\n"


def _environ(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return EnvironBuilder(path=path, headers=headers).get_environ()


def child(target: str, answers: int, key: str, workdir: Path) -> None:
    """Build the application, warm every target up, then answer ``target`` ``answers`` times
    (nothing for ``baseline``) and check that each answer came from memory."""
    from bench.floor import save_variant
    from syndicate.app import create_app
    from syndicate.server import metrics_directory, remove_metrics_directory
    from syndicate.syndication.cache import store_for

    folder, ours = metrics_directory()  # counts go to shared files, as under `serve`
    app = create_app()
    statuses: list[str] = []
    kept: list[list[tuple[str, str]]] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)
        kept.append(headers)

    def answer(wsgi: Any, environ: dict[str, Any]) -> bytes:
        return b"".join(wsgi(dict(environ), start))

    bearer = {"Authorization": f"Bearer {key}"}
    feed = _environ("/feeds/partner.rss", {**bearer, "Accept-Encoding": "gzip"})
    plain = _environ("/feeds/partner.rss", bearer)
    page = _environ("/articles/story-1")
    for _ in range(3):
        gzip_body, plain_body = answer(app, feed), answer(app, plain)
        answer(app, page)
    assert statuses[-3:] == ["200 OK"] * 3, statuses[-3:]
    etag = dict(kept[-3])["ETag"]
    save_variant(workdir, "gzip", gzip_body, kept[-3])
    save_variant(workdir, "plain", plain_body, kept[-2])
    for name in ("gzip", "plain"):
        os.environ[f"BENCH_FLOOR_{'' if name == 'gzip' else 'PLAIN_'}BODY"] = str(
            workdir / f"floor-{name}.body"
        )
        os.environ[f"BENCH_FLOOR_{'' if name == 'gzip' else 'PLAIN_'}HEADERS"] = str(
            workdir / f"floor-{name}.headers"
        )
    from bench import floor

    importlib.reload(floor)  # it read its variants when save_variant was imported
    cases = {
        "feed": (app, feed),
        "feed-304": (app, {**feed, "HTTP_IF_NONE_MATCH": etag}),
        "page": (app, page),
        "floor": (floor.app, feed),
    }
    for wsgi, environ in cases.values():
        answer(wsgi, environ)
    store = store_for(app)
    fast, hits = store.count("grant", "through"), store.count("page", "hits")
    if target != "baseline":
        wsgi, environ = cases[target]
        for _ in range(answers):
            answer(wsgi, environ)
        expected = "304 NOT MODIFIED" if target == "feed-304" else "200 OK"
        assert statuses[-1].upper() == expected.upper(), statuses[-1]
    from_memory = {
        "feed": store.count("grant", "through") - fast,
        "feed-304": store.count("grant", "through") - fast,
        "page": store.count("page", "hits") - hits,
    }
    if target in from_memory:
        assert from_memory[target] == answers, (target, from_memory[target], answers)
    if ours:
        remove_metrics_directory(folder)


def instructions(target: str, answers: int, key: str, workdir: Path) -> int:
    """The main thread's instructions of one callgrind run of :func:`child`."""
    out = workdir / f"callgrind-{target}.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        "--separate-threads=yes",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--child",
        target,
        "--answers",
        str(answers),
        "--key",
        key,
        "--workdir",
        str(workdir / target),
    ]
    (workdir / target).mkdir()
    # One hash seed for every process, so that the baseline builds the same dicts and sets
    # as the targets do and their difference is the answers' alone.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{target} failed:\n{result.stderr[-3000:]}")
    totals = re.search(r"^totals: (\d+)", Path(f"{out}-01").read_text(), re.MULTILINE)
    if totals is None:
        raise RuntimeError(f"no totals in {out}-01")
    return int(totals.group(1))


def main(argv: list[str] | None = None) -> int:
    """Load, count and print the report (or, with ``--child``, be one counted process)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=20000, help="answers counted per target")
    parser.add_argument("--child", choices=("baseline", *TARGETS), help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.answers, args.key, args.workdir)
        return 0
    if not shutil.which("valgrind"):
        print("valgrind is not installed (Debian package `valgrind`); it is needed here.")
        return 2
    from bench.feeds import load_data, scratch_database

    with tempfile.TemporaryDirectory(prefix="syndicate-bench-instructions-") as tmp:
        workdir = Path(tmp)
        with scratch_database("sqlite", workdir, "") as url:
            key = load_data(url, 1000, 50)["key"]
            (workdir / "syndicate.toml").write_text(CONFIG)
            os.environ.update(
                SYNDICATE_DATABASE_URL=url,
                SYNDICATE_INSTANCE_PATH=str(workdir / "instance"),
                SYNDICATE_SECRET_KEY=secrets.token_urlsafe(32),
                SYNDICATE_CONFIG=str(workdir / "syndicate.toml"),
            )
            print(f"counting {args.answers:,} answers per target under callgrind …", flush=True)
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                counted = dict(
                    zip(
                        ("baseline", *TARGETS),
                        pool.map(
                            lambda target: instructions(target, args.answers, key, workdir),
                            ("baseline", *TARGETS),
                        ),
                        strict=True,
                    )
                )
    per = {t: (counted[t] - counted["baseline"]) / args.answers for t in TARGETS}
    print(f"\n{'target':<34}{'instructions per answer':>24}{'floor ÷ target':>16}")
    labels = {
        "feed": "partner feed, gzip (fast path)",
        "feed-304": "partner feed, 304 (fast path)",
        "page": "article page (page cache)",
        "floor": "floor (floor.py)",
    }
    for target in TARGETS:
        print(f"{labels[target]:<34}{per[target]:>24,.0f}{per['floor'] / per[target]:>16.2f}")
    print("\nmain thread only; each answer's environ copy is counted for every target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
