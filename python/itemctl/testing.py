"""``itemctl serve --admin`` as a test double, driven from Python.

A :class:`Double` starts ``itemctl serve --port 0 --admin --quiet
--url-file …`` with the arguments you give, waits until it listens, and
wraps its admin API (``/__itemctl/``) in methods::

    from itemctl.testing import Double

    with Double("--empty") as double:
        my_client.sync(server=double.url)          # the code under test
        assert double.item("42") == {"name": "Chillies", "size": 3}
        assert [r["status"] for r in double.requests()] == [201]
    # the server is stopped here

Everything is the standard library (``subprocess``, ``urllib``); the HTTP
calls bypass any proxy from the environment, since the double is local.
With pytest, the ``itemctl_double`` and ``itemctl_serve`` fixtures of
:mod:`itemctl.pytest_plugin` do the starting and stopping.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from typing import IO, Any, Dict, List, Mapping, Optional, Tuple, Union

from ._binary import BinaryNotFoundError, find_binary

__all__ = [
    "AdminError",
    "BinaryNotFoundError",
    "Double",
    "DoubleError",
    "ServeArg",
    "StartError",
    "find_binary",
]

#: One argument for ``itemctl serve``: text, a path, or a number.
ServeArg = Union[str, "os.PathLike[str]", int, float]

_ADMIN = "/__itemctl/"

# The double listens on loopback: never send its requests through a proxy
# named by HTTP_PROXY and friends.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class DoubleError(RuntimeError):
    """Something went wrong with an itemctl double."""


class StartError(DoubleError):
    """``itemctl serve`` did not start: it exited (``returncode`` set) or
    did not listen within the timeout. ``stderr`` holds what it wrote,
    and the message includes it."""

    def __init__(
        self, message: str, *, command: List[str], stderr: str, returncode: Optional[int]
    ) -> None:
        text = message
        if stderr.strip():
            text += "\n--- itemctl serve stderr ---\n" + stderr.rstrip()
        super().__init__(text)
        #: The command line that was run.
        self.command = command
        #: What ``itemctl serve`` wrote on stderr.
        self.stderr = stderr
        #: Its exit status, or ``None`` when it was killed after the timeout.
        self.returncode = returncode


class AdminError(DoubleError):
    """The admin API answered with an unexpected status (a 422 for an item
    the app would refuse, for example); the message has its ``detail``."""

    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        text = body.decode("utf-8", "replace")
        detail: Any = text
        try:
            detail = json.loads(text).get("detail", text)
        except (ValueError, AttributeError):
            pass
        super().__init__(f"{method} {path} answered {status}: {detail}")
        #: The request's method.
        self.method = method
        #: The request's path and query.
        self.path = path
        #: The status of the answer.
        self.status = status
        #: The body of the answer.
        self.body = body
        #: The ``detail`` of a JSON error body, or the body as text.
        self.detail = detail


class _Process:
    """The server process and its scratch directory; closed exactly once,
    by :meth:`Double.stop` or, failing that, when the :class:`Double` is
    garbage-collected or the interpreter exits."""

    def __init__(self, proc: "subprocess.Popen[bytes]", directory: str, stderr: IO[bytes]) -> None:
        self.proc = proc
        self.directory = directory
        self.stderr_file = stderr
        self.stderr_text: Optional[str] = None
        self.closed = False

    def read_stderr(self) -> str:
        if self.stderr_text is not None:
            return self.stderr_text
        try:
            self.stderr_file.flush()
            with open(self.stderr_file.name, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def close(self, grace: float = 5.0) -> None:
        if self.closed:
            return
        self.closed = True
        proc = self.proc
        if proc.poll() is None:
            # SIGTERM on POSIX (serve finishes requests in flight and exits
            # 0); TerminateProcess on Windows.
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.stderr_text = self.read_stderr()
        self.stderr_file.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def _fspath(arg: ServeArg) -> str:
    if isinstance(arg, (int, float)):
        return str(arg)
    return os.fspath(arg)


def _has_option(args: List[str], long: str, short: Optional[str] = None) -> bool:
    for a in args:
        if a == "--":
            return False
        if a == long or a.startswith(long + "="):
            return True
        if short is not None and a.startswith(short) and not a.startswith("--"):
            return True
    return False


def _encode_delay(value: Any) -> Any:
    # serve reads a delay as text: "50ms", "10ms..200ms", or seconds.
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return repr(float(value))
    return value


class Double:
    """A running ``itemctl serve --admin`` on a free port of 127.0.0.1.

    ``Double(*serve_args)`` runs ``itemctl serve --port 0 --admin --quiet
    --url-file FILE *serve_args`` and returns once the server listens
    (``--port``, ``--admin`` and ``--quiet`` are added only when
    ``serve_args`` has none; ``--log-format`` keeps the access log, in
    :attr:`stderr`; ``--url-file`` is the double's own). Useful
    arguments: ``"--seed", path`` (start with those items), ``"--empty"``,
    ``"--openapi", doc`` (stand in for the app an OpenAPI document
    describes), ``"--delay", "50ms"``, ``"--fail-rate", "0.1"``,
    ``"--journal", "10000"``; see ``itemctl serve --help``.

    Args:
        serve_args: more arguments for ``itemctl serve``.
        binary: the ``itemctl`` executable to run; by default the one the
            wheel installed (see :func:`find_binary`; ``$ITEMCTL_BINARY``
            overrides it).
        timeout: seconds to wait for the server to listen, and for each
            admin request.

    Raises:
        BinaryNotFoundError: no ``itemctl`` executable was found.
        StartError: serve exited before listening (a malformed seed file,
            a refused OpenAPI document, a bad flag), or did not listen in
            time; the message includes serve's stderr.

    Use it as a context manager (``with Double() as d:``) or call
    :meth:`stop`; a double left running is stopped when it is
    garbage-collected or the interpreter exits.
    """

    def __init__(
        self, *serve_args: ServeArg, binary: Optional[str] = None, timeout: float = 10.0
    ) -> None:
        args = [_fspath(a) for a in serve_args]
        if _has_option(args, "--url-file"):
            raise ValueError("Double passes its own --url-file; leave it out of serve_args")
        #: The ``itemctl`` executable that runs the server.
        self.binary: str = find_binary(binary)
        #: Seconds to wait for start-up and for each admin request.
        self.timeout: float = timeout
        defaults: List[str] = []
        if not _has_option(args, "--port", "-p"):
            defaults += ["--port", "0"]
        if not _has_option(args, "--admin"):
            defaults.append("--admin")
        if not _has_option(args, "--quiet", "-q") and not _has_option(args, "--log-format"):
            defaults.append("--quiet")
        directory = tempfile.mkdtemp(prefix="itemctl-double-")
        url_file = os.path.join(directory, "serve.url")
        #: The command line that started the server.
        self.command: List[str] = [self.binary, "serve", *defaults, "--url-file", url_file, *args]
        stderr = open(os.path.join(directory, "stderr.log"), "w+b")
        try:
            proc = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        except BaseException:
            stderr.close()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self._process = _Process(proc, directory, stderr)
        self._finalizer = weakref.finalize(self, self._process.close)
        try:
            #: The base URL, ``http://127.0.0.1:PORT`` (no trailing slash).
            self.url: str = self._wait_for_url(url_file)
        except BaseException:
            self._finalizer()
            raise

    def _wait_for_url(self, url_file: str) -> str:
        proc = self._process.proc
        deadline = time.monotonic() + self.timeout
        pause = 0.005
        while True:
            try:
                with open(url_file, encoding="utf-8") as f:
                    text = f.read()
                # serve writes the file whole (written aside, then renamed):
                # the URL on its first line, then the writer's `pid N`.
                url = text.split("\n", 1)[0].strip()
                if url and "\n" in text:
                    return url.rstrip("/")
            except FileNotFoundError:
                pass
            code = proc.poll()
            if code is not None:
                raise StartError(
                    f"itemctl serve exited with status {code} before listening: "
                    + " ".join(self.command),
                    command=self.command,
                    stderr=self._process.read_stderr(),
                    returncode=code,
                )
            if time.monotonic() >= deadline:
                self._process.close(grace=0.5)
                raise StartError(
                    f"itemctl serve did not listen within {self.timeout:g}s: "
                    + " ".join(self.command),
                    command=self.command,
                    stderr=self._process.read_stderr(),
                    returncode=None,
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    # -- the process --------------------------------------------------------

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._process.proc.pid

    @property
    def running(self) -> bool:
        """Whether the server process is still running."""
        return self._process.proc.poll() is None

    @property
    def returncode(self) -> Optional[int]:
        """The server's exit status once it has exited (0 after :meth:`stop`
        on POSIX), else ``None``."""
        return self._process.proc.poll()

    @property
    def stderr(self) -> str:
        """What the server has written on stderr: warnings, and the access
        log when ``serve_args`` had ``--log-format``."""
        return self._process.read_stderr()

    def stop(self, grace: float = 5.0) -> None:
        """Stops the server: SIGTERM (it lets requests in flight finish),
        then a kill after ``grace`` seconds. Calling it again does nothing."""
        if self._finalizer.alive:
            self._process.close(grace)
            self._finalizer.detach()

    def __enter__(self) -> "Double":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited {self.returncode}"
        return f"<Double {getattr(self, 'url', '?')} pid={self.pid} {state}>"

    # -- HTTP ---------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
        allow: Tuple[int, ...] = (),
    ) -> Tuple[int, bytes]:
        """One admin request; answers other than 2xx and ``allow`` raise."""
        target = _ADMIN + path
        if query:
            pairs = {k: str(v) for k, v in query.items() if v is not None}
            if pairs:
                target += "?" + urllib.parse.urlencode(pairs)
        data = None
        headers = {"accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        request = urllib.request.Request(
            self.url + target, data=data, headers=headers, method=method
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            payload = e.read()
            e.close()
            if e.code in allow:
                return e.code, payload
            raise AdminError(method, target, e.code, payload) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            message = f"{method} {self.url}{target}: the double did not answer ({reason})"
            if not self.running:
                message += f"; itemctl serve has exited with status {self.returncode}"
                err = self.stderr.strip()
                if err:
                    message += "\n--- itemctl serve stderr ---\n" + err
            raise DoubleError(message) from e

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        _, payload = self._call(method, path, **kwargs)
        return json.loads(payload)

    @staticmethod
    def _key(key: Union[str, int]) -> str:
        return urllib.parse.quote(str(key), safe="")

    # -- the store ----------------------------------------------------------

    def items(self, resource: Optional[str] = None) -> Dict[str, Any]:
        """Every stored item, key → item, in insertion order.

        A key is the item's path parameters joined by ``/``. With an app of
        several upsert resources (``--openapi``), name one by its path
        template (``resource="/stores/{store_id}/books/{isbn}"``); without
        it the answer is template → {key → item} for every resource.
        """
        items: Dict[str, Any] = self._json("GET", "items", query={"resource": resource})
        return items

    def item(self, key: Union[str, int], resource: Optional[str] = None) -> Optional[Any]:
        """The stored item of ``key`` (as the endpoint would echo it), or
        ``None`` when there is none."""
        status, payload = self._call(
            "GET", "items/" + self._key(key), query={"resource": resource}, allow=(404,)
        )
        if status == 404:
            if resource is not None:
                try:  # an unknown resource is an error, not an absent item
                    detail = json.loads(payload).get("detail", "")
                except (ValueError, AttributeError):
                    detail = ""
                if isinstance(detail, str) and detail.startswith("no upsert resource"):
                    raise AdminError("GET", "items/" + self._key(key), status, payload)
            return None
        return json.loads(payload)

    def put(self, key: Union[str, int], item: Any, resource: Optional[str] = None) -> bool:
        """Stores ``item`` under ``key`` directly (validated as the app
        would; :class:`AdminError` with the reason when it would refuse it),
        without a journal entry or faults. True when it was new."""
        status, _ = self._call(
            "PUT", "items/" + self._key(key), body=item, query={"resource": resource}
        )
        return status == 201

    def delete(self, key: Union[str, int], resource: Optional[str] = None) -> bool:
        """Removes the item of ``key``; False when there was none."""
        status, _ = self._call(
            "DELETE", "items/" + self._key(key), query={"resource": resource}, allow=(404,)
        )
        return status != 404

    def load(self, items: Mapping[str, Any], resource: Optional[str] = None) -> None:
        """Replaces the store with ``items`` (key → item), each validated
        first: when one is refused (:class:`AdminError`), nothing changes."""
        self._call("PUT", "items", body=dict(items), query={"resource": resource})

    def reset(self) -> None:
        """Back to the start: the store to its start-up seed (``--seed``,
        the reference's foo and bar, or none with ``--empty``), the journal
        emptied, the faults cleared."""
        self._call("DELETE", "items")
        self._call("DELETE", "requests")
        self._call("DELETE", "faults")

    # -- the journal --------------------------------------------------------

    def requests(
        self,
        *,
        method: Optional[str] = None,
        path: Optional[str] = None,
        status: Optional[int] = None,
        id: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """The journal of requests to the app (not to the admin API), oldest
        first: dicts with ``time``, ``method``, ``target``, ``status``,
        ``latency_ms``, ``id`` and ``created`` (for upserts, else ``None``),
        ``headers``, ``body``, ``body_length``, ``body_truncated``.

        The keywords keep only the matching ones (``status=201``,
        ``id="42"``, ``method="PUT"``, ``path="/items/42"``). The journal
        keeps the latest ``--journal N`` requests (default 1000).
        """
        query = {"method": method, "path": path, "status": status, "id": id}
        doc = self._json("GET", "requests", query=query)
        requests: List[Dict[str, Any]] = doc["requests"]
        return requests

    def clear_requests(self) -> None:
        """Empties the journal."""
        self._call("DELETE", "requests")

    # -- faults -------------------------------------------------------------

    def set_faults(self, **settings: Any) -> Dict[str, Any]:
        """Replaces the fault settings of the endpoint (never of the admin
        API) and returns them as the server holds them.

        Fields: ``delay`` (``"50ms"``, ``"10ms..200ms"``, or seconds as a
        number), ``fail_rate`` (0 to 1: that share of upserts answered with
        ``fail_status``, default 503, storing nothing), ``drop_rate`` (0 to
        1: closed unanswered), ``seed`` (reproducible draws), ``ids`` (only
        upserts of these keys), ``count`` (only the next N upserts in
        scope). Fields left out take their defaults: ``set_faults(fail_rate=1)``
        fails every upsert with 503 until :meth:`clear_faults`.

        Raises:
            AdminError: an unknown field or a value out of range (422).
        """
        if "delay" in settings:
            settings["delay"] = _encode_delay(settings["delay"])
        faults: Dict[str, Any] = self._json("PUT", "faults", body=settings)
        return faults

    def faults(self) -> Dict[str, Any]:
        """The fault settings in force (``count`` shows what is left)."""
        faults: Dict[str, Any] = self._json("GET", "faults")
        return faults

    def clear_faults(self) -> None:
        """No more faults."""
        self._call("DELETE", "faults")

    def health(self) -> Dict[str, Any]:
        """``{"status": "ok", "uptime_s", "items", "requests"}``."""
        health: Dict[str, Any] = self._json("GET", "health")
        return health
