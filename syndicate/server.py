"""Run the application under gunicorn."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

# Client, worker process id, request line without the query string, status, bytes, seconds.
ACCESS_LOG_FORMAT = '%(h)s %(p)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from syndicate.app import create_app

        return create_app()


def run_gunicorn(*, host: str, port: int, workers: int, access_log: bool = True) -> None:
    """Serve on ``host:port`` with ``workers`` processes.

    The access log prints the path without its query string (``%(U)s``), so secrets
    passed as ``?key=`` never reach a log line.
    """
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1",
    }
    _Server(options).run()
