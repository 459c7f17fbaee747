"""A local HTTP server on 127.0.0.1 standing in for the public services (no internet)."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from meam_mapping.sources.cache import SourceCache
from meam_mapping.sources.http import HttpClient, SourceClient

DATA = Path(__file__).resolve().parents[1] / "data" / "sources"

Route = Callable[[dict[str, str]], tuple[int, str, bytes]]


class LocalServer:
    """Routes path -> function(query) -> (status, content type, body); records hits."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parsed = urllib.parse.urlsplit(self.path)
                server.hits.append(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query))
                route = server.routes.get(parsed.path)
                if route is None:
                    status, ctype, body = 404, "text/plain", b"not found"
                else:
                    status, ctype, body = route(query)
                if server.delay:
                    time.sleep(server.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


@pytest.fixture
def closed_url() -> str:
    """An address on 127.0.0.1 where nothing listens (simulates being offline)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def fast_http() -> HttpClient:
    return HttpClient(timeout=2.0, retries=2, backoff=0.0, sleep=lambda s: None)


@pytest.fixture
def client(tmp_path, fast_http) -> SourceClient:
    return SourceClient(cache=SourceCache(tmp_path / "cache"), http=fast_http, offline=False)


@pytest.fixture
def data_dir() -> Path:
    return DATA
