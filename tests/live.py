"""The app on a real loopback port, in a background thread: the browser tests drive it, and the
backup test writes through it while a backup runs."""

import threading
from typing import NamedTuple

from werkzeug.serving import WSGIRequestHandler, make_server


class SeenRequest(NamedTuple):
    method: str
    path: str  #: with the query string, if any


class _OneRequestPerConnection(WSGIRequestHandler):
    """HTTP/1.0 closes every connection after its response, so no kept-alive connection can
    carry a request past ``stop()``; and the access log stays out of the test output."""

    protocol_version = "HTTP/1.0"

    def log_request(self, code="-", size="-"):
        pass


class LiveServer:
    """The app on a real loopback port, in a background thread; ``stop()`` is a real outage and
    ``start()`` brings it back on the same port. ``requests`` lists every request it received;
    ``errors`` every 5xx answer (the fixture fails the test on any: empty the list in a test
    that provokes one on purpose)."""

    host = "127.0.0.1"

    def __init__(self, app):
        self.app = app
        self.port = 0
        self.requests: list[SeenRequest] = []
        self.errors: list[str] = []
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        if self.running:
            raise RuntimeError("the live server is already running")
        self._server = make_server(self.host, self.port, self._record, threaded=True,
                                   request_handler=_OneRequestPerConnection)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"live-server-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the port: connections are refused until ``start()``."""
        if not self.running:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def paths(self, method: str | None = None) -> list[str]:
        return [seen.path for seen in self.requests if method in (None, seen.method)]

    def forget_requests(self) -> None:
        self.requests.clear()

    def _record(self, environ, start_response):
        query = environ.get("QUERY_STRING")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        seen = SeenRequest(environ["REQUEST_METHOD"], path)
        self.requests.append(seen)

        def noting_failures(status, headers, exc_info=None):
            if status.startswith("5"):
                self.errors.append(f"{status} for {seen.method} {seen.path}")
            return start_response(status, headers, exc_info)

        return _closed_even_if_dropped(self.app(environ, noting_failures))


def _closed_even_if_dropped(body):
    """Werkzeug's server skips ``close()`` on the response when the browser resets the connection
    mid-response (a closed context, an aborted fetch), leaking the open file of a static response
    into a ResourceWarning. This generator closes it however it ends, also when abandoned."""
    try:
        yield from body
    finally:
        if hasattr(body, "close"):
            body.close()
