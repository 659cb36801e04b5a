#!/usr/bin/env python3
"""Differential test of the connection layer: scripted raw-socket exchanges
(writes, pauses, half-closes, a SIGTERM mid-way) against the reference
(uvicorn 0.54 on h11 0.16) and against `itemctl serve`, comparing

- the bytes received (the `date` header's value aside, the server's port
  written as PORT),
- how the connection ended: closed by the server (FIN), reset, or still
  open when the script stopped reading,
- the state afterwards: whether the ids a case names are stored (a
  follow-up PUT on a fresh connection answers 200 for a stored id).

Stdlib only. Each server is started by this script, per phase (a fresh one
for each shutdown case):
    tests/connection_diff.py --ref-cmd '.../serve_reference.sh' \
        --us-cmd 'target/release/itemctl serve --quiet --port {port}'
`{port}` (and `{host}`) are filled in; the reference command also gets
PORT in its environment. Last line: "N passed, M failed"; exit 1 on any
difference.
"""
import argparse
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid

HELLO = bytes.fromhex("160301020001000200030300") + b"\x00" * 40  # a TLS ClientHello's start


def put(target, body=b"{}", extra=b"", close=False):
    target = target.encode() if isinstance(target, str) else target
    head = b"PUT " + target + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + extra
    head += b"Content-Length: %d\r\n" % len(body)
    if close:
        head += b"Connection: close\r\n"
    return head + b"\r\n" + body


def chunked(target, chunks, extra=b"", method=b"PUT"):
    target = target.encode() if isinstance(target, str) else target
    return (method + b" " + target + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + extra + b"Transfer-Encoding: chunked\r\n\r\n" + chunks)


class Case:
    """steps: ("send", bytes) | ("sleep", seconds) | ("shut_wr",) | ("term",);
    stored: ids whose presence afterwards is compared; read_for: how long
    to keep reading after the last step before calling the connection open."""

    def __init__(self, name, steps, stored=(), read_for=1.0, phase="main"):
        self.name, self.steps, self.stored = name, steps, list(stored)
        self.read_for, self.phase = read_for, phase


def cases():
    u = lambda: "cd-" + uuid.uuid4().hex[:10]
    out = []
    # 1. After a 500 the connection closes; a request pipelined in the same
    #    write is run (stored) but not answered.
    a, b = u(), u()
    out.append(Case("500 closes; the pipelined request is stored, unanswered",
                    [("send", put(f"/items/{a}", b'{"size":NaN}') + put(f"/items/{b}"))], stored=[a, b]))
    a = u()
    out.append(Case("500 (lone surrogate name) then a second write",
                    [("send", put(f"/items/{a}", b'{"name":"\\ud800"}')), ("sleep", 0.3),
                     ("send", put(f"/items/{u()}"))], stored=[a]))
    out.append(Case("500 then a malformed request in the same write",
                    [("send", put(f"/items/{u()}", b'{"size":NaN}') + b"BAD REQUEST\r\n\r\n")]))
    a, b = u(), u()
    out.append(Case("500 then an incomplete pipelined body: not stored",
                    [("send", put(f"/items/{a}", b'{"size":Infinity}') + put(f"/items/{b}", b'{"name":"x"}')[:-3])],
                    stored=[a, b]))
    # 2. A partial head whose first byte cannot start a request: 400 at once.
    out.append(Case("TLS ClientHello", [("send", HELLO)]))
    out.append(Case("leading space", [("send", b" PUT /items/x HTTP/1.1\r\n")]))
    out.append(Case("leading CR alone", [("send", b"\r")]))
    out.append(Case("stray byte after a keep-alive response",
                    [("send", put(f"/items/{u()}")), ("sleep", 0.2), ("send", b"\x01")]))
    # 3. h11's 16 KiB limit on incomplete events.
    out.append(Case("17,000-byte header line, then its CRLF 0.3 s later",
                    [("send", b"PUT /items/big HTTP/1.1\r\nHost: t\r\nX-Long: " + b"a" * 17000),
                     ("sleep", 0.3), ("send", b"\r\n\r\n")]))
    out.append(Case("16,000-byte header line in pieces is still fine",
                    [("send", b"PUT /items/" + u().encode() + b" HTTP/1.1\r\nHost: t\r\nX-Long: " + b"a" * 16000),
                     ("sleep", 0.3), ("send", b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]))
    out.append(Case("chunk-size line over 16 KiB",
                    [("send", chunked(f"/items/{u()}", b"")), ("sleep", 0.2), ("send", b"1" * 17000)]))
    out.append(Case("trailer block over 16 KiB",
                    [("send", chunked(f"/items/{u()}", b"2\r\n{}\r\n0\r\nX-T: " + b"a" * 17000))]))
    # 4. Timers: none before the first request; 5 s after a response, not
    #    re-armed by a partial head that was already buffered.
    a = u()
    out.append(Case("a fresh connection idle 6.5 s, then a request", [("sleep", 6.5), ("send", put(f"/items/{a}", close=True))],
                    stored=[a], read_for=2))
    a = u()
    out.append(Case("pipelined partial head completed 7 s later",
                    [("send", put(f"/items/{u()}") + put(f"/items/{a}")[:20]), ("sleep", 7),
                     ("send", put(f"/items/{a}")[20:])], stored=[a], read_for=1))
    # 5. Graceful shutdown.
    a = u()
    body = b'{"name":"shut"}'
    out.append(Case("SIGTERM while a body is arriving",
                    [("send", put(f"/items/{a}", body)[:-4]), ("sleep", 0.3), ("term",), ("sleep", 0.3),
                     ("send", body[-4:])], phase="fresh"))
    out.append(Case("SIGTERM with a partial head",
                    [("send", b"PUT /items/x HTTP/1.1\r\nHost"), ("sleep", 0.3), ("term",), ("sleep", 0.5),
                     ("send", b": t\r\nContent-Length: 2\r\n\r\n{}")], phase="fresh"))
    out.append(Case("SIGTERM on an idle keep-alive connection",
                    [("send", put(f"/items/{u()}")), ("sleep", 0.3), ("term",)], phase="fresh"))
    # 6, 7. Body bytes received with the head are parsed before any answer.
    out.append(Case("Expect: 100-continue with a malformed chunked body in the same write",
                    [("send", chunked(f"/items/{u()}", b"zz\r\n{}\r\n0\r\n\r\n", extra=b"Expect: 100-continue\r\n"))]))
    out.append(Case("Expect: 100-continue, body sent after the 100",
                    [("send", put(f"/items/{u()}", b'{"name":"e"}', extra=b"Expect: 100-continue\r\n", close=True)[:-12]),
                     ("sleep", 0.2), ("send", b'{"name":"e"}')]))
    out.append(Case("malformed chunked body on POST /nope", [("send", chunked("/nope", b"zz\r\n", method=b"POST"))]))
    out.append(Case("malformed chunked body on GET /openapi.json/",
                    [("send", chunked("/openapi.json/", b"1\r\nab\r\n0\r\n\r\n", method=b"GET"))]))
    out.append(Case("malformed chunked body arriving after the answer (GET /docs)",
                    [("send", chunked("/docs", b"", method=b"GET")), ("sleep", 0.3), ("send", b"zz\r\n")]))
    # 8. The chunked 400's header order.
    out.append(Case("chunked 400 for a request that said Connection: close",
                    [("send", chunked(f"/items/{u()}", b"zz\r\n", extra=b"Connection: close\r\n"))]))
    out.append(Case("chunked 400 for a keep-alive request",
                    [("send", chunked(f"/items/{u()}", b"zz\r\n"))]))
    # 9. The redirect host from the socket address (HTTP/1.0, no Host).
    out.append(Case("redirect without Host", [("send", b"GET /docs/ HTTP/1.0\r\n\r\n")]))
    out.append(Case("redirect without Host, X-Forwarded-Proto: https",
                    [("send", b"GET /docs/ HTTP/1.0\r\nX-Forwarded-Proto: https\r\n\r\n")]))
    # On the scheme's default port the port is left out of the Location.
    for proto in [b"https", b"http", b"wss"]:
        out.append(Case(f"redirect without Host on port 443, X-Forwarded-Proto: {proto.decode()}",
                        [("send", b"GET /docs/ HTTP/1.0\r\nX-Forwarded-Proto: " + proto + b"\r\n\r\n")], phase=443))
    # Grammar: Content-Length.
    for value in [b"2", b"2, 2", b"02", b"2,", b",2", b"+2", b"0x2", b"2 2", b"1" * 21, b"0" * 19 + b"2",
                  b"00000000000000000002", b"-2"]:
        out.append(Case(f"Content-Length: {value[:24]!r}",
                        [("send", b"PUT /items/" + u().encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                          b"Content-Length: " + value + b"\r\nConnection: close\r\n\r\n{}")]))
    out.append(Case("two equal Content-Length headers",
                    [("send", b"PUT /items/" + u().encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                      b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")]))
    out.append(Case("Content-Length 2 and 02",
                    [("send", b"PUT /items/" + u().encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                      b"Content-Length: 02\r\nConnection: close\r\n\r\n{}")]))
    out.append(Case("Content-Length and Transfer-Encoding",
                    [("send", b"PUT /items/" + u().encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                      b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n")]))
    # Grammar: chunk sizes and extensions.
    for line in [b"2", b"2;ext=1", b"2;", b"2 ", b"2 ;ext", b"2;a\nb", b"02", b"0" * 19 + b"2", b"0" * 20 + b"2",
                 b"x2", b" 2", b"2\t", b"2;\t\"q\""]:
        out.append(Case(f"chunk line {line!r}",
                        [("send", chunked(f"/items/{u()}", line + b"\r\n{}\r\n0\r\n\r\n", extra=b"Connection: close\r\n"))]))
    out.append(Case("chunk data without its CRLF (checked byte by byte)",
                    [("send", chunked(f"/items/{u()}", b"2\r\n{}X")), ("sleep", 0.3), ("send", b"\n0\r\n\r\n")]))
    out.append(Case("chunk data, CR, then a wrong byte later",
                    [("send", chunked(f"/items/{u()}", b"2\r\n{}\r")), ("sleep", 0.3), ("send", b"X")]))
    out.append(Case("chunk-size line ending in bare LF", [("send", chunked(f"/items/{u()}", b"2\n{}\r\n0\r\n\r\n"))], read_for=1))
    # Grammar: trailers.
    for trailer in [b"X-T: 1\r\n", b" folded\r\n", b"X-T: 1\r\n  folded\r\n", b"no colon\r\n", b"Content-Length: x\r\n",
                    b"Content-Length: 5\r\n", b"Transfer-Encoding: gzip\r\n", b"Transfer-Encoding: chunked\r\n",
                    b"X-T:\x01\r\n", b"X-T: a\x0bb\r\n"]:
        out.append(Case(f"trailer {trailer[:24]!r}",
                        [("send", chunked(f"/items/{u()}", b"2\r\n{}\r\n0\r\n" + trailer + b"\r\n", extra=b"Connection: close\r\n"))]))
    # Grammar: obsolete line folding and header values.
    for headers in [b"X-A: a\r\n b\r\n", b" X-A: a\r\n", b"X-A: a  \r\n\t b \r\n", b"Content-Type: application/json  \r\n x\r\n",
                    b"Content-Type:\r\n application/json\r\n", b"X-A: \x7f\x01\r\n", b"X-A: a\rb\r\n", b"X-A : a\r\n"]:
        out.append(Case(f"headers {headers[:28]!r}",
                        [("send", b"PUT /items/" + u().encode() + b" HTTP/1.1\r\nHost: t\r\n" + headers +
                          b"Content-Length: 12\r\nConnection: close\r\n\r\n{\"name\":\"x\"}")]))
    # Half-close: the client shuts its write side mid-body and after a request.
    out.append(Case("half-close mid-body", [("send", put(f"/items/{u()}", b'{"name":"hc"}')[:-3]), ("shut_wr",)]))
    a = u()
    out.append(Case("half-close after a complete request", [("send", put(f"/items/{a}")), ("shut_wr",)], stored=[a]))
    # Many pipelined requests in one write.
    ids = [u() for _ in range(5)]
    out.append(Case("five pipelined requests", [("send", b"".join(put(f"/items/{i}") for i in ids))], stored=ids))
    return out


class Server:
    def __init__(self, cmd, port, env_port):
        env = dict(os.environ, PORT=str(port)) if env_port else dict(os.environ)
        self.port = port
        self.proc = subprocess.Popen(shlex.split(cmd.format(port=port, host="127.0.0.1")), env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"server exited: {cmd}")
                time.sleep(0.05)
        raise SystemExit(f"server did not start: {cmd}")

    def term(self):
        # uvicorn under serve_reference.sh is exec'd: the pid is the server.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def stop(self):
        self.term()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_case(case, server):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    received, ended = b"", None
    s.setblocking(False)

    def drain(seconds):
        nonlocal received, ended
        deadline = time.time() + seconds
        while ended is None and time.time() < deadline:
            try:
                chunk = s.recv(65536)
                if not chunk:
                    ended = "closed"
                    break
                received += chunk
            except BlockingIOError:
                time.sleep(0.01)
            except ConnectionResetError:
                ended = "reset"
                break

    for step in case.steps:
        if step[0] == "send":
            try:
                s.setblocking(True)
                s.sendall(step[1])
            except (BrokenPipeError, ConnectionResetError):
                ended = ended or "reset (on send)"
            finally:
                s.setblocking(False)
        elif step[0] == "sleep":
            drain(step[1])
        elif step[0] == "shut_wr":
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        elif step[0] == "term":
            server.term()
    drain(case.read_for)
    s.close()
    return received, ended or "open"


def stored(server, ids):
    out = []
    for i in ids:
        try:
            c = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            c.sendall(put(f"/items/{i}", b'{"name":"probe"}', close=True))
            data = b""
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
            c.close()
            out.append("stored" if data.startswith(b"HTTP/1.1 200") else "absent" if data.startswith(b"HTTP/1.1 201") else data[:20])
        except OSError as e:
            out.append(f"<{type(e).__name__}>")
    return out


def normalize(data, port):
    data = re.sub(rb"(?im)^(date: )[^\r\n]*", rb"\1DATE", data)
    return data.replace(str(port).encode(), b"PORT")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-cmd", required=True)
    ap.add_argument("--us-cmd", required=True)
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    args = ap.parse_args()
    all_cases = [c for c in cases() if args.only in c.name]
    results = {}
    for label, cmd, env_port in (("reference", args.ref_cmd, True), ("itemctl", args.us_cmd, False)):
        main_server = Server(cmd, free_port(), env_port)
        try:
            for i, case in enumerate(all_cases):
                port = case.phase if isinstance(case.phase, int) else free_port()
                server = main_server if case.phase == "main" else Server(cmd, port, env_port)
                try:
                    got, ended = run_case(case, server)
                    state = stored(main_server if case.phase == "main" else server, case.stored) if case.phase == "main" else []
                    results.setdefault(i, {})[label] = (normalize(got, server.port), ended, state)
                finally:
                    if server is not main_server:
                        server.stop()
        finally:
            main_server.stop()
    passed = failed = 0
    for i, case in enumerate(all_cases):
        ref, us = results[i]["reference"], results[i]["itemctl"]
        if ref == us:
            passed += 1
            print(f"ok      {case.name}: {ref[1]}, {ref[0][:60]!r}")
        else:
            failed += 1
            print(f"DIFFERS {case.name}")
            for label, (got, ended, state) in (("reference", ref), ("itemctl  ", us)):
                print(f"    {label}: {ended}; state {state}; {got[:400]!r}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
