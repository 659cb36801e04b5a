#!/usr/bin/env python3
"""Differential test of `itemctl serve --openapi DOC` against FastAPI apps.

For each app tests/services/standin_<name>.py this starts the app under
uvicorn, saves its /openapi.json, starts `itemctl serve --openapi <that
file>` beside it, and sends one seeded stream of requests, generated from the
document's own schemas, to both, in the same order. Every answer pair is
compared: the status, the `content-type`, `allow` (as a set of methods:
Starlette joins a Python set, whose order varies between processes) and
`location` headers, and the body (JSON as JSON values with strict types, so
1, 1.0 and true differ; then also the raw bytes, which catch key order and
number spelling). The people app adds a server-made `updated_at` to its
answers: that key is left out of the comparison (and of the byte check).

Usage:
    standin_diff.py --itemctl BIN --python VENV_PY [--apps a,b,...]
                    [--cases N] [--seed S] [--show N] [--log FILE] [--self-test]

  --python     the Python of a venv with fastapi, pydantic and uvicorn
  --apps       names (products or standin_products), default: every app
               but `undocumented` (whose rules no document carries)
  --cases      requests per app (default 600)
  --seed       the stream's seed (default 1); the same seed, the same stream
  --show       how many differences to print in full (default 10)
  --log FILE   every request and both answers, one JSON object a line
  --self-test  the second server is a second uvicorn of the same app, not
               itemctl: proves the harness (the two must agree), and checks
               that the stream reached every kind of answer and change it
               aims at (per app; over all apps at --cases 600 or more)

Stdlib only (Python 3.11). Exit 0 when nothing differs, 1 when something
does (or, with --self-test, when the stream missed a kind of answer), 2 on
usage or start-up errors. Child processes are always stopped on exit.
"""

import argparse
import collections
import copy
import datetime
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))

# The apps, in the order they run. `undocumented` only when --apps names it.
APPS = ["products", "people", "zoo", "ledger", "boxes", "events", "contacts", "users", "inventory", "tasks",
        "shapes", "settings", "accounts", "library", "money", "links", "flags", "tree", "catalogue", "aliases"]
OPTIONAL_APPS = ["undocumented"]
# Apps that need a package the pinned venv may lack: app -> module to import.
NEEDS = {"contacts": "email_validator", "links": "email_validator"}
# Top-level body keys that the app makes up itself: never compared.
VOLATILE = {"people": {"updated_at"}}

HOST = "standin.test"  # the Host header of every request (so redirects match)
TIMEOUT = 10.0  # seconds, per socket operation


class Usage(Exception):
    """A usage or start-up error: one line, exit 2."""


# ---------------------------------------------------------------------------
# Child processes: started here, always stopped (the `finally` at the bottom
# runs on normal ends, errors, Ctrl-C and SIGTERM).


class Children:
    def __init__(self):
        self.procs = []

    def start(self, cmd, cwd, log):
        # A session of their own: a Ctrl-C in the terminal reaches only us, and
        # we stop them (so a server never outlives the run).
        # No __pycache__ in tests/services from the apps' imports.
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
        proc.log = log  # closed when the process is stopped
        self.procs.append(proc)
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc in self.procs:
            self.procs.remove(proc)
        proc.log.close()
        for path in getattr(proc, "cleanup", []):
            shutil.rmtree(path, ignore_errors=True)

    def stop_all(self):
        for proc in list(reversed(self.procs)):
            try:
                self.stop(proc)
            except Exception:  # keep stopping the others
                pass


CHILDREN = Children()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_error_line(text):
    """The one line that says why a process failed (clap: `error: ...`)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith("error"):
            return line
    for line in reversed(lines):  # a Python traceback ends with the error
        if not line.startswith(("File ", "^", "~")):
            return line
    return "(no output)"


def read_log(log):
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", "replace")


def start_uvicorn(python, module, label):
    """Starts `python -m uvicorn module:app` on a free port; returns (proc, addr)."""
    for attempt in range(3):
        port = free_port()
        log = tempfile.TemporaryFile()
        cmd = [python, "-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]
        proc = CHILDREN.start(cmd, HERE, log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                text = read_log(log)
                if "address already in use" in text.lower() and attempt < 2:
                    break  # lost the port to someone else: another one
                raise Usage(f"{label}: uvicorn exited ({proc.returncode}): {first_error_line(text)}")
            try:
                resp = exchange(("127.0.0.1", port), request_bytes("GET", "/openapi.json", [], b""), 2, quiet=False)
                if resp.status == 200:
                    return proc, ("127.0.0.1", port)
            except OSError:
                pass
            time.sleep(0.05)
        else:
            CHILDREN.stop(proc)
            raise Usage(f"{label}: uvicorn did not answer within 30 s")
        CHILDREN.stop(proc)
    raise Usage(f"{label}: could not bind a port")


def start_itemctl(binary, doc_path, label):
    """Starts `itemctl serve --openapi DOC` on port 0; returns (proc, addr)."""
    url_dir = tempfile.mkdtemp(prefix="standin-url-")
    url_file = os.path.join(url_dir, "serve.url")
    log = tempfile.TemporaryFile()
    cmd = [binary, "serve", "--port", "0", "--quiet", "--openapi", doc_path, "--url-file", url_file]
    try:
        proc = CHILDREN.start(cmd, HERE, log)
    except OSError as e:
        log.close()
        shutil.rmtree(url_dir, ignore_errors=True)
        raise Usage(f"{label}: cannot run {binary}: {e.strerror}")
    proc.cleanup = [url_dir]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Usage(f"{label}: itemctl serve exited ({proc.returncode}): {first_error_line(read_log(log))}")
        try:
            with open(url_file, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        if text.endswith("\n"):
            # The URL, then the line naming the process that wrote it.
            m = re.fullmatch(r"http://([^:/]+|\[[^\]]+\]):(\d+)/?\npid \d+\n", text)
            if not m:
                raise Usage(f"{label}: itemctl serve wrote an unexpected URL: {text.strip()!r}")
            return proc, (m.group(1).strip("[]"), int(m.group(2)))
        time.sleep(0.02)
    CHILDREN.stop(proc)
    raise Usage(f"{label}: itemctl serve wrote no --url-file within 30 s")


# ---------------------------------------------------------------------------
# HTTP/1.1 by hand: one connection per request, Connection: close.


class Resp:
    def __init__(self, status, reason, headers, body, note=""):
        self.status = status  # 0 when there was no parsable answer
        self.reason = reason
        self.headers = headers  # lower-case name -> list of values
        self.body = body
        self.note = note  # <timeout>, <reset>, <unparsable>

    def header(self, name):
        values = self.headers.get(name)
        return ", ".join(values) if values else None


def request_bytes(method, target, headers, body):
    lines = [f"{method} {target} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(addr, raw, timeout=TIMEOUT, quiet=True):
    """Sends raw on a fresh connection and reads the answer until the server
    closes. quiet: a connection that cannot be made is an answer of its own
    (status 0, noted), not an error."""
    note = ""
    chunks = []
    try:
        conn = socket.create_connection(addr, timeout=timeout)
    except OSError as e:
        if not quiet:
            raise
        return Resp(0, "", {}, b"", f"<cannot connect: {e.strerror or e}>")
    with conn as s:
        s.sendall(raw)
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                note = "<timeout>"
                break
            except ConnectionResetError:
                note = "<reset>"
                break
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    head, sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.fullmatch(r"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0]) if sep else None
    if not m:
        return Resp(0, "", {}, data, note or "<unparsable>")
    headers = collections.defaultdict(list)
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()].append(value.strip())
    if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
        body = dechunk(body)
    elif headers.get("content-length"):
        body = body[: int(headers["content-length"][0])]
    return Resp(int(m.group(1)), m.group(2), dict(headers), body, note)


def dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


# ---------------------------------------------------------------------------
# The document's schemas: $ref, anyOf/oneOf (null, unions, discriminators),
# and the kind of value each schema describes.


class Raw(str):
    """A JSON token written as it is (NaN, 1e400, a 5,000-digit number)."""


def dumps(value, ascii_only=False, spaced=False):
    """JSON text in the value's own key order; Raw tokens as they are."""
    comma, colon = (", ", ": ") if spaced else (",", ":")
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + comma.join(dumps(str(k), ascii_only) + colon + dumps(v, ascii_only, spaced)
                                for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + comma.join(dumps(v, ascii_only, spaced) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


class Node:
    """What one schema describes: kind, nullable, and the schema (refs resolved)."""

    def __init__(self, kind, schema, nullable=False, **info):
        self.kind = kind
        self.s = schema
        self.nullable = nullable
        self.info = info

    def __repr__(self):
        return f"Node({self.kind}, nullable={self.nullable})"


STRING_FORMATS = {"date": "date", "date-time": "datetime", "time": "time", "uuid": "uuid",
                  "email": "email", "uri": "uri"}


class Schemas:
    def __init__(self, doc):
        self.doc = doc

    def lookup(self, ref):
        if not ref.startswith("#/"):
            raise Usage(f"unsupported $ref {ref!r}")
        node = self.doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def deref(self, s):
        """The schema with $ref followed; sibling keys (default, ...) kept."""
        for _ in range(64):
            if not isinstance(s, dict) or "$ref" not in s:
                return s
            rest = {k: v for k, v in s.items() if k != "$ref"}
            s = {**self.lookup(s["$ref"]), **rest}
        raise Usage("$ref loop in the document")

    def node(self, s):
        s = self.deref(s)
        nullable = bool(s.get("nullable"))  # OpenAPI 3.0
        for key in ("anyOf", "oneOf"):
            if key not in s:
                continue
            branches = [self.deref(b) for b in s[key]]
            real = [b for b in branches if b.get("type") != "null"]
            nullable = nullable or len(real) != len(branches)
            if "discriminator" in s:
                disc = s["discriminator"]
                mapping = {tag: self.lookup(ref) for tag, ref in disc.get("mapping", {}).items()}
                return Node("tagged", s, nullable, prop=disc["propertyName"], mapping=mapping)
            types = [b.get("type") for b in real]
            if types == ["number", "string"] and len(real[1]) == 1:
                # pydantic's Decimal: a number (with its bounds) or a string.
                return Node("decimal", s, nullable, number=real[0])
            if len(real) == 1:
                inner = self.node(real[0])
                inner.nullable = inner.nullable or nullable
                return inner
            return Node("union", s, nullable, branches=real)
        if "enum" in s:
            return Node("enum", s, nullable, values=list(s["enum"]))
        if "const" in s:
            return Node("enum", s, nullable, values=[s["const"]])
        t = s.get("type")
        if isinstance(t, list):  # 3.1 ["string", "null"]
            nullable = nullable or "null" in t
            t = next((x for x in t if x != "null"), None)
        if t == "string":
            return Node(STRING_FORMATS.get(s.get("format"), "str"), s, nullable)
        if t in ("integer", "number", "boolean"):
            return Node({"integer": "int", "number": "float", "boolean": "bool"}[t], s, nullable)
        if t == "array":
            return Node("list", s, nullable)
        if t == "object" or "properties" in s:
            extra = s.get("additionalProperties")
            if isinstance(extra, dict) and "properties" not in s:
                return Node("dict", s, nullable, values=extra)
            return Node("model", s, nullable, forbid=extra is False)
        if t == "null":
            return Node("null", s, True)
        return Node("any", s, nullable)


# ---------------------------------------------------------------------------
# Strings that match (or not) a regular expression, for `pattern`.


class RegexGen:
    """Makes strings for the common regular-expression syntax: literals,
    classes, \\d \\w \\s, groups with |, and the quantifiers ? * + {n,m}."""

    def __init__(self, pattern):
        self.p = pattern
        self.i = 0
        self.tree = self.alt()

    def peek(self):
        return self.p[self.i] if self.i < len(self.p) else None

    def take(self):
        c = self.p[self.i]
        self.i += 1
        return c

    def alt(self):
        options = [self.seq()]
        while self.peek() == "|":
            self.take()
            options.append(self.seq())
        return ("alt", options)

    def seq(self):
        items = []
        while self.peek() not in (None, "|", ")"):
            atom = self.atom()
            lo, hi = self.quant()
            items.append((atom, lo, hi))
        return ("seq", items)

    def quant(self):
        c = self.peek()
        lo = hi = 1
        if c == "?":
            self.take(); lo, hi = 0, 1
        elif c == "*":
            self.take(); lo, hi = 0, 6
        elif c == "+":
            self.take(); lo, hi = 1, 6
        elif c == "{":
            m = re.match(r"\{(\d+)(,(\d*))?\}", self.p[self.i:])
            if m:
                self.i += m.end()
                lo = int(m.group(1))
                hi = lo if not m.group(2) else (int(m.group(3)) if m.group(3) else lo + 6)
        if self.peek() == "?":  # lazy: same strings
            self.take()
        return lo, hi

    ESCAPES = {"d": "0123456789", "w": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
               "s": " "}

    def atom(self):
        c = self.take()
        if c == "(":
            if self.p.startswith("?:", self.i):
                self.i += 2
            inner = self.alt()
            if self.peek() == ")":
                self.take()
            return inner
        if c == "[":
            return ("set", self.charset())
        if c == "\\":
            e = self.take()
            return ("set", self.ESCAPES.get(e, e))
        if c == ".":
            return ("set", "abcxyz019 -_")
        if c in "^$":
            return ("seq", [])
        return ("set", c)

    def charset(self):
        negate = self.peek() == "^"
        if negate:
            self.take()
        chars = ""
        first = True
        while self.peek() is not None and (self.peek() != "]" or first):
            first = False
            c = self.take()
            if c == "\\":
                e = self.take()
                chars += self.ESCAPES.get(e, e)
            elif self.peek() == "-" and self.i + 1 < len(self.p) and self.p[self.i + 1] != "]":
                self.take()
                end = self.take()
                chars += "".join(chr(x) for x in range(ord(c), ord(end) + 1))
            else:
                chars += c
        if self.peek() == "]":
            self.take()
        if negate:
            chars = "".join(ch for ch in map(chr, range(32, 127)) if ch not in chars)
        return chars or "x"

    def emit(self, rng, node=None):
        node = node or self.tree
        if node[0] == "alt":
            return self.emit(rng, rng.choice(node[1]))
        if node[0] == "seq":
            return "".join(self.emit(rng, atom) for atom, lo, hi in node[1]
                           for _ in range(rng.randint(lo, hi)))
        return rng.choice(node[1])


def sample_pattern(pattern, rng, lo=0, hi=None):
    """A string matching pattern (search semantics, as pydantic-core) within lengths."""
    try:
        gen = RegexGen(pattern)
        rx = re.compile(pattern)
    except (re.error, IndexError):
        return None
    for _ in range(200):
        s = gen.emit(rng)
        if len(s) >= lo and (hi is None or len(s) <= hi) and rx.search(s):
            return s
    return None


# ---------------------------------------------------------------------------
# Values: valid ones within the constraints, invalid ones of every kind, and
# pydantic's lax spellings of valid ones.

TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 -_.éüß漢字☃😀"


def bounds(s, integer):
    """(lo, hi) inclusive for an integer; (lo, lo_excl, hi, hi_excl) otherwise."""
    lo, hi = s.get("minimum"), s.get("maximum")
    xlo, xhi = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
    if isinstance(xlo, bool):  # OpenAPI 3.0's boolean form
        xlo, xhi = (lo if xlo else None), (hi if s.get("exclusiveMaximum") is True else None)
    if integer:
        if xlo is not None:
            lo = max(lo, math.floor(xlo) + 1) if lo is not None else math.floor(xlo) + 1
        if xhi is not None:
            hi = min(hi, math.ceil(xhi) - 1) if hi is not None else math.ceil(xhi) - 1
        if lo is not None:
            lo = math.ceil(lo)
        if hi is not None:
            hi = math.floor(hi)
        return lo, hi
    return lo, xlo, hi, xhi


class Values:
    def __init__(self, schemas, rng):
        self.sc = schemas
        self.rng = rng

    # -- valid -----------------------------------------------------------

    def text(self, lo=0, hi=None):
        rng = self.rng
        hi = hi if hi is not None else max(lo, 12)
        n = rng.randint(lo, min(hi, lo + 14))
        if rng.random() < 0.7:
            return "".join(rng.choice(TEXT[:40]) for _ in range(n))
        return "".join(rng.choice(TEXT) for _ in range(n))

    def valid(self, schema, depth=0):
        rng = self.rng
        n = self.sc.node(schema)
        if n.nullable and rng.random() < 0.12:
            return None
        return self.valid_of(n, depth)

    def valid_of(self, n, depth=0):
        rng, s, k = self.rng, n.s, n.kind
        if k == "str":
            lo, hi = s.get("minLength", 0), s.get("maxLength")
            if "pattern" in s:
                got = sample_pattern(s["pattern"], rng, lo, hi)
                if got is not None:
                    return got
                return s.get("default", s.get("examples", [""])[0] if s.get("examples") else "")
            return self.text(lo, hi)
        if k == "int":
            return self.int_in(s)
        if k == "float":
            return self.float_in(s)
        if k == "bool":
            return rng.random() < 0.5
        if k == "enum":
            return rng.choice(n.info["values"])
        if k == "date":
            return self.date()
        if k == "datetime":
            return self.datetime()
        if k == "time":
            return self.time()
        if k == "uuid":
            return str(self.uuid())
        if k == "email":
            return f"{self.word()}@{self.word()}.example"
        if k == "uri":
            return f"https://{self.word()}.example/{self.word()}"
        if k == "decimal":
            return self.decimal_in(n.info["number"])
        if k == "list":
            lo, hi = s.get("minItems", 0), s.get("maxItems")
            hi = hi if hi is not None else lo + (3 if depth < 3 else 0)
            count = rng.randint(lo, min(hi, lo + 4))
            return [self.valid(s.get("items", {}), depth + 1) for _ in range(count)]
        if k == "dict":
            count = rng.randint(0, 3 if depth < 3 else 0)
            return {self.key(): self.valid(n.info["values"], depth + 1) for _ in range(count)}
        if k == "model":
            return self.model(s, depth)
        if k == "tagged":
            tag = rng.choice(sorted(n.info["mapping"]))
            value = self.model(n.info["mapping"][tag], depth, keep=[n.info["prop"]])
            value[n.info["prop"]] = tag
            return value
        if k == "union":
            return self.valid(rng.choice(n.info["branches"]), depth)
        if k == "null":
            return None
        return rng.choice([1, "x", [1, "y"], {"a": None}])  # "any"

    def model(self, s, depth, keep=()):
        """An object of the model: required properties, most optional ones."""
        rng = self.rng
        required = set(s.get("required", []))
        out = {}
        for name, prop in s.get("properties", {}).items():
            # Deep down, required properties only (a recursive model ends).
            if name in required or name in keep or (depth < 5 and rng.random() < 0.6):
                out[name] = self.valid(prop, depth + 1)
        return out

    def word(self):
        return "".join(self.rng.choice("abcdefghijklmnop") for _ in range(self.rng.randint(1, 8)))

    def key(self):
        rng = self.rng
        return rng.choice(["a", "b", "total", "x-1", "", "ключ", "🔑", "k" + str(rng.randint(0, 99))])

    def int_in(self, s):
        rng = self.rng
        lo, hi = bounds(s, True)
        if lo is None and hi is None and rng.random() < 0.08:
            return rng.choice([2 ** 63, -(2 ** 63) - 1, 10 ** 25, 2 ** 64 + 1, 9007199254740993])
        lo = lo if lo is not None else (-1000 if hi is None else hi - 2000)
        hi = hi if hi is not None else lo + 2000
        m = s.get("multipleOf")
        m = int(m) if isinstance(m, float) and m.is_integer() else m  # FastAPI writes 6.0
        if isinstance(m, int) and m > 0:
            first, last = -(-lo // m), hi // m
            return m * rng.randint(first, last) if first <= last else lo
        r = rng.random()
        if r < 0.15:
            return lo
        if r < 0.3:
            return hi
        return rng.randint(lo, hi)

    def float_in(self, s):
        rng = self.rng
        lo, xlo, hi, xhi = bounds(s, False)
        a = lo if lo is not None else xlo
        b = hi if hi is not None else xhi
        if a is None and b is None:
            a, b = -1e6, 1e6
        a = a if a is not None else b - 1000
        b = b if b is not None else a + 1000
        for _ in range(50):
            r = rng.random()
            if r < 0.1 and lo is not None:
                v = float(lo)
            elif r < 0.2 and hi is not None:
                v = float(hi)
            elif r < 0.3:
                v = float(rng.randint(int(a), int(b)))
            elif r < 0.35:
                v = rng.choice([0.1, 0.30000000000000004, 1e-7, 5e-324, 1.5e300, 123456789.123])
            else:
                v = round(rng.uniform(a, b), rng.choice([0, 1, 2, 3, 6, 12]))
            if (lo is None or v >= lo) and (hi is None or v <= hi) and \
               (xlo is None or v > xlo) and (xhi is None or v < xhi):
                return v
        return (a + b) / 2

    def decimal_in(self, number):
        rng = self.rng
        v = self.float_in(number)
        places = rng.choice([0, 1, 2, 2, 3])
        text = f"{v:.{places}f}"
        if float(text) != v and not self.in_bounds(number, float(text)):
            text = repr(v)
        return text if rng.random() < 0.7 else (round(v, 2) if self.in_bounds(number, round(v, 2)) else text)

    def in_bounds(self, s, v):
        lo, xlo, hi, xhi = bounds(s, False)
        return (lo is None or v >= lo) and (hi is None or v <= hi) and \
               (xlo is None or v > xlo) and (xhi is None or v < xhi)

    def date(self):
        rng = self.rng
        return f"{rng.randint(1970, 2099):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def time(self, tz=True):
        rng = self.rng
        t = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        t += rng.choice(["", "", ".5", ".123", ".123456"])
        if tz:
            t += rng.choice(["", "", "Z", "+02:00", "-05:30"])
        return t

    def datetime(self):
        return self.date() + "T" + self.time(tz=False) + self.rng.choice(["Z", "+00:00", "+05:30", "-08:00", ""])

    def uuid(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # -- invalid and lax values for one schema ---------------------------
    #
    # Each returns a list of (label, function of the valid value -> new
    # value); the label names what was done, e.g. "invalid.bound".

    def invalid(self, n, value, hard=False):
        """Invalid replacements for a value of n (hard: certainly invalid)."""
        rng, s, k = self.rng, n.s, n.kind
        out = []
        wrong = {
            "str": [123, 1.5, True, [], {"a": 1}],
            "int": ["abc", 1.5, "1.5", [], {"a": 1}, "", "0x10"],
            "float": ["abc", [], {"a": 1}, "1,5", "", "--1"],
            "bool": ["maybe", 2, 0.5, "2", [], "tru", ""],
            "enum": ["no-such-member", 99, [], "RED"],
            "date": ["yesterday", "2024-13-01", "2024-02-30", "24-01-01", True, [], 1.5e20],
            "datetime": ["not a time", "2024-01-01T25:00:00", "2024-01-01T10:00:00+25:00", [], True, 1e20],
            "time": ["25:00", "10:60", "noon", "10:00:00+25:00", [], True, 86400 * 2],
            "uuid": ["not-a-uuid", "12345678-1234-1234-1234-12345678901", 123, [], "g" * 32],
            "email": ["no-at-sign", "@x.example", 5],
            "uri": ["not a url", "http//x", 5],
            "decimal": ["abc", [], {"a": 1}, True, "1.2.3", "NaN", "Infinity", ""],
            "list": ["abc", {"a": 1}, 5],
            "dict": [[], "abc", 5, [["a", 1]]],
            "model": [[], "abc", 5, True, [{"a": 1}]],
            "tagged": [[], "abc", 5],
            "union": [[], {"a": 1}, 1.5, None] if not n.nullable else [[], {"a": 1}],
        }.get(k, [])
        if k == "union":
            kinds = {self.sc.node(b).kind for b in n.info["branches"]}
            wrong = [w for w in wrong if not (isinstance(w, dict) and kinds & {"model", "dict", "tagged"})
                     and not (isinstance(w, float) and "float" in kinds)]
        if hard:
            # One value no schema of this kind takes, whatever its
            # constraints: a list for a scalar, text for a container.
            certain = self.certainly_invalid(n)
            return [] if certain is None else [("invalid.type", lambda v: copy.deepcopy(certain))]
        for w in wrong:
            label = "invalid.format" if isinstance(w, str) and k in STRING_FORMATS.values() else "invalid.type"
            out.append((label, lambda v, w=w: copy.deepcopy(w)))
        if not n.nullable and k != "any":
            out.append(("invalid.null", lambda v: None))
        if k == "str":
            lo, hi = s.get("minLength", 0), s.get("maxLength")
            if lo > 0:
                out.append(("invalid.length", lambda v: (v or "x" * lo)[: lo - 1]))
            if hi is not None:
                out.append(("invalid.length", lambda v: ((v if isinstance(v, str) else "") + "y" * (hi + 1))[: hi + 1]))
                out.append(("invalid.length", lambda v: "é" * (hi + 1)))
            if "pattern" in s:
                for _ in range(3):
                    bad = self.mismatch(s["pattern"], value if isinstance(value, str) else "x")
                    if bad is not None:
                        out.append(("invalid.pattern", lambda v, bad=bad: bad))
        if k == "int":
            lo, hi = bounds(s, True)
            if lo is not None:
                out.append(("invalid.bound", lambda v: lo - 1))
                out.append(("invalid.bound", lambda v: -(10 ** 20)))
            if hi is not None:
                out.append(("invalid.bound", lambda v: hi + 1))
                out.append(("invalid.bound", lambda v: 10 ** 20))
            m = s.get("multipleOf")
            if m and m > 1:
                out.append(("invalid.multiple", lambda v: (v if isinstance(v, int) else m) + 1))
            out.append(("invalid.fraction", lambda v: (v if isinstance(v, int) else 0) + 0.5))
            if rng.random() < 0.3:
                out.append(("invalid.special", lambda v: Raw(rng.choice(["NaN", "Infinity", "-Infinity", "1e400"]))))
        if k == "float":
            lo, xlo, hi, xhi = bounds(s, False)
            for edge, excl in ((lo, None), (xlo, True)):
                if edge is not None:
                    out.append(("invalid.bound", lambda v, e=edge, x=excl: e if x else e - 0.5))
            for edge, excl in ((hi, None), (xhi, True)):
                if edge is not None:
                    out.append(("invalid.bound", lambda v, e=edge, x=excl: e if x else e + 0.5))
            if any(b is not None for b in (lo, xlo, hi, xhi)) and rng.random() < 0.3:
                out.append(("invalid.special", lambda v: Raw(rng.choice(["NaN", "Infinity", "-Infinity", "1e400"]))))
        if k == "decimal":
            number = n.info["number"]
            lo, xlo, hi, xhi = bounds(number, False)
            if lo is not None or xlo is not None:
                out.append(("invalid.bound", lambda v: str((lo if lo is not None else xlo) - 1)))
            if hi is not None or xhi is not None:
                out.append(("invalid.bound", lambda v: (hi if hi is not None else xhi) + 1))
        if k == "enum":
            values = n.info["values"]
            if all(isinstance(x, str) for x in values):
                out.append(("invalid.enum", lambda v: str(v).upper() + "X"))
                out.append(("invalid.enum", lambda v: " " + str(v)))
            else:
                nums = [x for x in values if isinstance(x, (int, float)) and not isinstance(x, bool)]
                out.append(("invalid.enum", lambda v: max(nums) + 1 if nums else "no-such-member"))
        if k == "list":
            lo, hi = s.get("minItems", 0), s.get("maxItems")
            items = s.get("items", {})
            if hi is not None:
                out.append(("invalid.items", lambda v: list(v or []) + [self.valid(items, 3) for _ in range(hi + 1 - len(v or []))]))
            if lo > 0:
                out.append(("invalid.items", lambda v: list(v or [])[: lo - 1]))
            item = self.sc.node(items)
            for label, fn in self.invalid(item, None, hard=True)[:2]:
                out.append(("invalid.item", lambda v, fn=fn: list(v or []) + [fn(None)]))
        if k == "dict":
            vnode = self.sc.node(n.info["values"])
            for label, fn in self.invalid(vnode, None, hard=True)[:2]:
                out.append(("invalid.dict-value", lambda v, fn=fn: {**(v or {}), self.key(): fn(None)}))
        if k == "model" and isinstance(value, dict):
            out += self.model_invalid(n, value)
        if k == "tagged":
            prop = n.info["prop"]
            out.append(("invalid.tag", lambda v: {**(v if isinstance(v, dict) else {}), prop: "no-such-kind"}))
            out.append(("invalid.tag", lambda v: {k2: x for k2, x in (v if isinstance(v, dict) else {}).items() if k2 != prop}))
            out.append(("invalid.tag", lambda v: {**(v if isinstance(v, dict) else {}), prop: 7}))
        return out

    def certainly_invalid(self, n):
        """A value that n refuses whatever its constraints, or None."""
        if n.kind in ("list",):
            return "not a list"
        if n.kind in ("dict", "model", "tagged"):
            return ["not", "an", "object"]
        if n.kind == "union":
            kinds = {self.sc.node(b).kind for b in n.info["branches"]}
            return None if kinds & {"list", "any"} else [["nested"]]
        if n.kind in ("any", "null"):
            return None
        return [1, 2]

    def model_invalid(self, n, value):
        out = []
        for name in n.s.get("required", []):
            if name in value:
                out.append(("invalid.missing", lambda v, name=name: {k: x for k, x in v.items() if k != name}))
        if n.info.get("forbid"):
            out.append(("invalid.extra", lambda v: {**v, "unexpected": 1}))
            out.append(("invalid.extra", lambda v: {**v, "Extra Field": {"deep": [1]}}))
        return out

    def mismatch(self, pattern, base):
        """A string near base that does not match pattern."""
        rng = self.rng
        rx = re.compile(pattern)
        for _ in range(30):
            choice = rng.random()
            if base and choice < 0.4:
                i = rng.randrange(len(base))
                s = base[:i] + rng.choice("!?* #aZ9_é") + base[i + 1:]
            elif choice < 0.6:
                s = base + rng.choice("!x9 ")
            elif choice < 0.8:
                s = base.swapcase() if base.swapcase() != base else base + "~"
            else:
                s = " " + base
            if not rx.search(s):
                return s
        return None

    def lax(self, n, value):
        """pydantic's lax spellings of a valid value (coercions)."""
        rng, k = self.rng, n.kind
        out = []
        if value is None:
            return out
        if k == "int" and isinstance(value, int) and not isinstance(value, bool):
            v = value
            out += [("coerce.int-from-str", lambda _: str(v)), ("coerce.int-from-str", lambda _: f" {v} "),
                    ("coerce.int-from-float", lambda _: float(v)), ("coerce.int-from-str", lambda _: f"{v}.0"),
                    ("coerce.int-from-str", lambda _: ("+" if v >= 0 else "") + str(v)),
                    ("coerce.int-from-str", lambda _: "0" + str(v) if v >= 0 else str(v)),
                    ("coerce.int-from-float", lambda _: Raw(f"{v}.000")), ("coerce.int-from-float", lambda _: Raw(f"{v}e0"))]
            if abs(v) >= 10:
                digits = str(v)
                out.append(("coerce.int-from-str", lambda _: digits[:-1] + "_" + digits[-1]))
            if v in (0, 1):
                out.append(("coerce.int-from-bool", lambda _: bool(v)))
        if k == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            v = value
            out += [("coerce.float-from-str", lambda _: repr(v)), ("coerce.float-from-str", lambda _: f" {v} "),
                    ("coerce.float-from-str", lambda _: f"{v:e}")]
            if float(v).is_integer() and abs(v) < 1e15:
                out.append(("coerce.float-from-int", lambda _: int(v)))
            if v in (0, 1):
                out.append(("coerce.float-from-bool", lambda _: bool(v)))
            if not self.has_bounds(n.s) and rng.random() < 0.3:
                out.append(("coerce.float-special", lambda _: Raw(rng.choice(["NaN", "Infinity", "-Infinity"]))))
                out.append(("coerce.float-special", lambda _: rng.choice(["nan", "inf", "-inf", "infinity"])))
                out.append(("coerce.float-big", lambda _: Raw("1e400")))
        if k == "bool" and isinstance(value, bool):
            spellings = (["true", "True", "TRUE", "yes", "Yes", "on", "1", "t", "y", 1] if value
                         else ["false", "False", "no", "off", "OFF", "0", "f", "n", 0, 0.0])
            out += [("coerce.bool", lambda _, x=x: x) for x in spellings]
        if k == "enum":
            if isinstance(value, int) and not isinstance(value, bool):
                out += [("coerce.enum-int", lambda _: str(value)), ("coerce.enum-int", lambda _: float(value))]
        if k == "decimal":
            text = str(value)
            out += [("coerce.decimal", lambda _: f" {text} "), ("coerce.decimal", lambda _: text + "0"),
                    ("coerce.decimal", lambda _: Raw(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text)]
            if re.fullmatch(r"-?\d+", text):
                out.append(("coerce.decimal", lambda _: int(text)))
            out.append(("coerce.decimal", lambda _: f"{float(text):e}" if re.fullmatch(r"-?\d+(\.\d+)?", text) else text))
        if k == "date" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            y, m, d = value.split("-")
            ts = int(datetime.datetime(int(y), int(m), int(d), tzinfo=datetime.timezone.utc).timestamp())
            out += [("coerce.date", lambda _: ts), ("coerce.date", lambda _: str(ts)),
                    ("coerce.date", lambda _: value + "T00:00:00"), ("coerce.date", lambda _: value + "T00:00:00Z"),
                    ("coerce.date", lambda _: value + "T10:30:00"), ("coerce.date", lambda _: ts + 1),
                    ("coerce.date", lambda _: ts * 1000), ("coerce.date", lambda _: value.replace("-", ""))]
        if k == "datetime" and isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}T", value):
            date_part = value[:10]
            out += [("coerce.datetime", lambda _: value.replace("T", " ")), ("coerce.datetime", lambda _: value.replace("T", "t")),
                    ("coerce.datetime", lambda _: date_part), ("coerce.datetime", lambda _: date_part + "T10:20"),
                    ("coerce.datetime", lambda _: rng.choice([1700000000, 1700000000.25, -1, 0, 1700000000123])),
                    ("coerce.datetime", lambda _: "1700000000"), ("coerce.datetime", lambda _: date_part + "T10:20:30.1234567Z"),
                    ("coerce.datetime", lambda _: date_part + "T10:20:30z"), ("coerce.datetime", lambda _: date_part + "T10:20:30+0200"),
                    ("coerce.datetime", lambda _: date_part + "T23:59:60")]
        if k == "time" and isinstance(value, str) and re.match(r"\d{2}:\d{2}:\d{2}", value):
            out += [("coerce.time", lambda _: value[:5]), ("coerce.time", lambda _: value[:8] + ".5"),
                    ("coerce.time", lambda _: value[:8] + "Z"), ("coerce.time", lambda _: value[:8] + "+02:00"),
                    ("coerce.time", lambda _: rng.choice([3600, 3600.5, 0, 86399])), ("coerce.time", lambda _: "3600"),
                    ("coerce.time", lambda _: value[:2] + value[3:5])]
        if k == "uuid" and isinstance(value, str) and re.fullmatch(r"[0-9a-f-]{36}", value):
            out += [("coerce.uuid", lambda _: value.upper()), ("coerce.uuid", lambda _: value.replace("-", "")),
                    ("coerce.uuid", lambda _: "urn:uuid:" + value), ("coerce.uuid", lambda _: "{" + value + "}")]
        if k == "union" and isinstance(value, (int, str)) and not isinstance(value, bool):
            kinds = [self.sc.node(b).kind for b in n.info["branches"]]
            if "int" in kinds and "str" in kinds:
                out += [("coerce.union", lambda _: "42"), ("coerce.union", lambda _: 42.0),
                        ("coerce.union", lambda _: True), ("coerce.union", lambda _: " 7 ")]
        if k == "str" and isinstance(value, str) and rng.random() < 0.3:
            # Not a coercion (a str takes no number), but another spelling of
            # the same text: \u escapes (astral characters as surrogate
            # pairs) and an escaped solidus.
            out.append(("coerce.str-escapes", lambda _: Raw(json.dumps(value, ensure_ascii=True).replace("/", "\\/"))))
        return out

    @staticmethod
    def has_bounds(s):
        return any(key in s for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))


# ---------------------------------------------------------------------------
# Where a value can be changed: every node of a body, with its schema.


def sites(sc, schema, value, path=(), ctx="body"):
    """(path, node, value, context) for the body and every value inside it;
    context: body, top (a property of the body), nested (a property of a
    nested model), list-item, dict-value, union-member."""
    n = sc.node(schema)
    if not fits(n, value):
        return  # already changed (or null): nothing more to change in it
    yield list(path), n, value, ctx
    if n.kind == "model" and isinstance(value, dict):
        props = n.s.get("properties", {})
        for key, v in value.items():
            if key in props:
                yield from sites(sc, props[key], v, path + (key,), "top" if not path else
                                 ("union-member" if ctx == "union-member" else "nested"))
    elif n.kind == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            yield from sites(sc, n.s.get("items", {}), v, path + (i,), "list-item")
    elif n.kind == "dict" and isinstance(value, dict):
        for key, v in value.items():
            yield from sites(sc, n.info["values"], v, path + (key,), "dict-value")
    elif n.kind == "tagged" and isinstance(value, dict):
        branch = n.info["mapping"].get(value.get(n.info["prop"]))
        if branch is not None:
            props = branch.get("properties", {})
            for key, v in value.items():
                if key in props and key != n.info["prop"]:
                    yield from sites(sc, props[key], v, path + (key,), "union-member")
    elif n.kind == "union" and isinstance(value, dict):
        for b in n.info["branches"]:
            bn = sc.node(b)
            if bn.kind == "model" and set(bn.s.get("required", [])) <= set(value) <= set(bn.s.get("properties", {})):
                for key, v in value.items():
                    yield from sites(sc, bn.s["properties"][key], v, path + (key,), "union-member")
                break


def fits(n, value):
    """Whether value is of the kind n describes (so its changes make sense)."""
    k = n.kind
    if value is None or isinstance(value, Raw):
        return False
    if k in ("str", "date", "datetime", "time", "uuid", "email", "uri"):
        return isinstance(value, str)
    if k == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if k == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if k == "bool":
        return isinstance(value, bool)
    if k == "enum":
        return any(value == v and type(value) is type(v) for v in n.info["values"])
    if k == "decimal":
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if k == "list":
        return isinstance(value, list)
    if k in ("dict", "model", "tagged"):
        return isinstance(value, dict)
    return True


def replace_at(root, path, fn):
    if not path:
        return fn(root)
    parent = root
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = fn(parent[path[-1]])
    return root


# ---------------------------------------------------------------------------
# The API as the document describes it: upsert resources and the rest.


class Param:
    def __init__(self, spec, sc):
        self.name = spec["name"]
        self.schema = spec.get("schema", {})
        self.node = sc.node(self.schema)


class Resource:
    """An upsert: a PUT with path parameters and a JSON body, and the GET and
    DELETE of the same path."""

    def __init__(self, template, ops, sc):
        self.template = template
        self.put = ops["put"]
        self.get = ops.get("get")
        self.delete = ops.get("delete")
        self.methods = sorted(m.upper() for m in ops)
        # The path's parameters in the order of the template (the order that
        # keys the store); the document lists them in the handler's order.
        by_name = {p["name"]: p for p in self.put.get("parameters", []) if p.get("in") == "path"}
        self.params = [Param(by_name[name], sc) for name in re.findall(r"\{([^}]+)\}", template)]
        body = self.put["requestBody"]
        self.body_schema = body["content"]["application/json"].get("schema", {})
        self.body_required = body.get("required", False)
        self.known = []  # keys the stream may have stored (valid or lax bodies), in order
        self.last = {}  # key -> the last valid body sent for it (what a repeat sends)


def operations(doc, sc):
    """(resources, others): others are (template, method, op) not an upsert
    resource's PUT, GET or DELETE."""
    resources, others = [], []
    for template, ops in doc.get("paths", {}).items():
        ops = {m: op for m, op in ops.items() if m in ("get", "put", "post", "delete", "patch", "head", "options")}
        put = ops.get("put")
        is_upsert = (put is not None and "{" in template and
                     "application/json" in put.get("requestBody", {}).get("content", {}))
        if is_upsert:
            resources.append(Resource(template, ops, sc))
            others += [(template, m, op) for m, op in ops.items() if m not in ("put", "get", "delete")]
        else:
            others += [(template, m, op) for m, op in ops.items()]
    return resources, others


ALL_METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"]


class Request:
    def __init__(self, kind, method, target, headers, body, note="", changes=()):
        self.kind = kind  # e.g. put.invalid
        self.method = method
        self.target = target
        self.headers = headers  # [(name, value)] besides Host, Content-Length, Connection
        self.body = body  # bytes
        self.note = note  # what was done, for people (the changes' labels, or how the JSON was broken)
        self.changes = list(changes)  # the body's changes, label@context

    def raw(self):
        return request_bytes(self.method, self.target, self.headers, self.body)


# ---------------------------------------------------------------------------
# The stream.


class Stream:
    """Makes the requests of one app from its document, seeded."""

    def __init__(self, doc, rng):
        self.sc = Schemas(doc)
        self.rng = rng
        self.val = Values(self.sc, rng)
        self.resources, self.others = operations(doc, self.sc)
        self.templates = {}  # template -> documented methods
        for template, ops in doc.get("paths", {}).items():
            self.templates[template] = sorted(m.upper() for m in ops if m.upper() in ALL_METHODS)
        if not self.resources:
            raise Usage("the document has no PUT with path parameters and a JSON body")

    # -- ids ----------------------------------------------------------------

    def id_value(self, param):
        """A valid canonical value for a path parameter."""
        n = param.node
        if n.kind == "int":
            lo, hi = bounds(n.s, True)
            lo = lo if lo is not None else 0
            hi = hi if hi is not None else 10 ** 9
            r = self.rng.random()
            return lo if r < 0.05 else (hi if r < 0.1 else self.rng.randint(lo, min(hi, lo + 5000)))
        if n.kind == "uuid":
            return self.val.uuid()
        if n.kind == "enum":
            return str(self.rng.choice(n.info["values"]))
        s = n.s
        lo, hi = s.get("minLength", 1), s.get("maxLength")
        if "pattern" in s:
            got = sample_pattern(s["pattern"], self.rng, max(lo, 1), hi)
            if got is not None:
                return got
        text = self.val.text(max(lo, 1), hi)
        text = text.replace("/", "-")
        return text if text.strip() else "x" * max(lo, 1)

    def spell(self, param, value, lax=False):
        """value in a request target: percent-encoded; lax: another spelling
        of the same value (which the app reads as the same id)."""
        rng = self.rng
        n = param.node
        if n.kind == "int":
            text = str(value)
            if lax:
                text = rng.choice(["0" + text, "+" + text, "%20" + text, text + "%20", "%3" + text[0] + text[1:],
                                   "00" + text, text[:-1] + "_" + text[-1] if len(text) > 1 else "0" + text])
            return text
        if n.kind == "uuid":
            text = str(value)
            if lax:
                text = rng.choice([text.upper(), text.replace("-", ""), "urn:uuid:" + text, "%7B" + text + "%7D"])
            return text
        text = quote(value, safe="")
        if lax:
            # Percent-encode letters and digits as well (%41 for A): Starlette
            # decodes them, so it is the same id.
            text = "".join("%%%02X" % b if chr(b).isalnum() and rng.random() < 0.5 else
                           (chr(b) if b < 128 else "%%%02x" % b)
                           for b in value.encode("utf-8")) or text
            text = text if text != value else "".join("%%%02X" % b for b in value.encode("utf-8"))
        return text

    def bad_id(self, param):
        """A spelling the parameter refuses (422), or None when all are valid."""
        rng = self.rng
        n = param.node
        if n.kind == "int":
            lo, hi = bounds(n.s, True)
            options = ["abc", "1.5", "1e3", "0x10", "9" * 25, "-", "%E2%98%83", "1%2C0"]
            if lo is not None:
                options += [str(lo - 1), str(lo - 1000), "-0" if lo > 0 else str(lo - 1)]
            if hi is not None:
                options += [str(hi + 1), str(hi * 10)]
            return rng.choice(options)
        if n.kind == "uuid":
            return rng.choice(["not-a-uuid", "1234", "12345678-1234-1234-1234-1234567890123", "%20"])
        if n.kind == "enum":
            return rng.choice(["nope", quote(str(n.info["values"][0]).upper() + "x", safe=""), "%20"])
        s = n.s
        options = []
        lo, hi = s.get("minLength"), s.get("maxLength")
        base = self.id_value(param)
        if lo and lo > 1:
            options.append(quote(base[: lo - 1], safe=""))
        if hi is not None:
            options.append(quote((base * (hi + 1))[: hi + 1], safe=""))
            options.append(quote("é" * (hi + 1), safe=""))
        if "pattern" in s:
            bad = self.val.mismatch(s["pattern"], base)
            if bad is not None and "/" not in bad and (not lo or len(bad) >= lo) and (hi is None or len(bad) <= hi):
                options.append(quote(bad, safe=""))
        return rng.choice(options) if options else None

    def key_and_target(self, res, fresh, lax=False, bad=False):
        """(key, target): a fresh or known key; bad: one parameter refused."""
        rng = self.rng
        if fresh or not res.known:
            parents = getattr(res, "parents", None)
            if parents is None:
                res.parents = parents = [[self.id_value(p) for _ in range(3)] for p in res.params[:-1]]
            key = tuple([rng.choice(parents[i]) for i in range(len(res.params) - 1)] + [self.id_value(res.params[-1])])
        else:
            key = rng.choice(res.known[-12:] if rng.random() < 0.7 else res.known)
        parts = [self.spell(p, v, lax and rng.random() < 0.7) for p, v in zip(res.params, key)]
        if bad:
            refusable = [i for i, p in enumerate(res.params) if self.bad_id(p) is not None]
            if refusable:
                for i in rng.sample(refusable, rng.randint(1, len(refusable))):
                    parts[i] = self.bad_id(res.params[i])
        return key, self.fill(res.template, parts)

    @staticmethod
    def fill(template, parts):
        it = iter(parts)
        return re.sub(r"\{[^}]+\}", lambda m: next(it), template)

    # -- bodies --------------------------------------------------------------

    def encode(self, value):
        rng = self.rng
        return dumps(value, ascii_only=rng.random() < 0.2, spaced=rng.random() < 0.2).encode("utf-8", "surrogatepass")

    def mutate(self, schema, body, mode, count=1, hard=False):
        """body with `count` changes of mode (invalid or coerce); the labels."""
        body = copy.deepcopy(body)
        labels = []
        for _ in range(count):
            # A site first (every value in the body counts once), then what to
            # do there, then how: so that a site with many wrong-type values
            # does not crowd out the bounds, lengths and patterns.
            options = []
            for path, n, value, ctx in sites(self.sc, schema, body):
                if ctx == "body":
                    cands = self.val.model_invalid(n, value) if (mode == "invalid" and n.kind == "model"
                                                                 and isinstance(value, dict)) else []
                else:
                    cands = self.val.invalid(n, value, hard) if mode == "invalid" else self.val.lax(n, value)
                if hard:
                    cands = [c for c in cands if c[0] in ("invalid.type", "invalid.missing")]
                if cands:
                    # Unions are where pydantic's locations get interesting:
                    # choose them (and their members) more often.
                    # So are the rarer constraints.
                    weight = 3 if n.kind in ("union", "tagged") or ctx == "union-member" else 1
                    if n.info.get("forbid") or any(key in n.s for key in ("multipleOf", "pattern")):
                        weight = 3
                    options += [(path, ctx, cands)] * weight
            if not options:
                break
            path, ctx, cands = self.rng.choice(options)
            label = self.rng.choice(sorted({c[0] for c in cands}))
            fn = self.rng.choice([c[1] for c in cands if c[0] == label])
            body = replace_at(body, path, fn)
            labels.append(f"{label}@{ctx}")
        return body, labels

    # -- the requests --------------------------------------------------------

    KINDS = [("put.valid", 24), ("put.coerce", 13), ("put.invalid", 24), ("put.bad-id", 4),
             ("put.bad-json", 3), ("put.not-object", 3), ("put.empty-body", 1.5), ("put.content-type", 4),
             ("put.odd-json", 2), ("get", 8), ("delete", 4), ("method.wrong", 4), ("path.unknown", 2),
             ("path.slash", 2), ("other", 3)]

    def requests(self, count):
        rng = self.rng
        names = [k for k, _ in self.KINDS]
        weights = [w for _, w in self.KINDS]
        out = []
        for _ in range(count):
            kind = rng.choices(names, weights)[0]
            res = rng.choice(self.resources)
            make = getattr(self, "make_" + kind.replace(".", "_").replace("-", "_"))
            req = make(res)
            self.add_params(res, req)
            out.append(req)
        return out

    # -- query and header parameters ------------------------------------------

    def add_params(self, res, req):
        """The operation's query and header parameters on a request to one
        of the resource's operations: required ones always (valid), optional
        ones half the time; now and then one invalid or a required one left
        out (labelled param.invalid / param.missing)."""
        if req.kind.startswith(("path.", "other.", "method.")):
            return
        op = {"PUT": res.put, "GET": res.get, "DELETE": res.delete}.get(req.method)
        if op is None:
            return
        params = [p for p in op.get("parameters", []) if p.get("in") in ("query", "header")]
        if not params:
            return
        rng = self.rng
        spoil = rng.random() < 0.12
        victim = rng.choice(params) if spoil else None
        query = []
        for spec in params:
            param = Param(spec, self.sc)
            required = spec.get("required", False)
            if spec is victim and (required and rng.random() < 0.4):
                req.changes.append("param.missing@" + spec["in"])
                continue
            if not required and spec is not victim and rng.random() < 0.5:
                continue
            texts = self.param_texts(param, bad=spec is victim)
            if spec is victim:
                req.changes.append("param.invalid@" + spec["in"])
            for text in texts:
                if spec["in"] == "query":
                    query.append(quote(spec["name"], safe="") + "=" + quote(text, safe=""))
                else:
                    # A header is latin-1 on the wire (and h11 strips its ends).
                    text = text if text.isascii() and text.isprintable() else self.val.word()
                    req.headers.append((spec["name"], text))
        if query:
            req.target += ("&" if "?" in req.target else "?") + "&".join(query)
        if req.changes:
            req.note = (req.note + " " + " ".join(c for c in req.changes if c.startswith("param."))).strip()

    def param_texts(self, param, bad=False):
        """A parameter's value(s) as text: valid, or one it refuses."""
        rng = self.rng
        n = param.node
        if n.kind == "list":
            item = self.sc.node(n.s.get("items", {}))
            count = rng.randint(0, 3)
            texts = [self.scalar_text(item, False) for _ in range(count)]
            if bad:
                bad_text = self.scalar_text(item, True)
                texts.append(bad_text if bad_text is not None else "x")
            return texts
        if n.kind == "union":
            n = self.sc.node(rng.choice(n.info["branches"]))
        text = self.scalar_text(n, bad)
        return [text if text is not None else self.scalar_text(n, False)]

    def scalar_text(self, n, bad):
        rng = self.rng
        k = n.kind
        if bad:
            options = {"int": ["abc", "1.5", "", str((bounds(n.s, True)[0] or 0) - 1),
                               str((bounds(n.s, True)[1] or 10 ** 9) + 1)],
                       "float": ["abc", "", "1,5"], "bool": ["maybe", "2", ""],
                       "enum": ["no-such", "X"], "uuid": ["not-a-uuid"], "date": ["2024-13-01"]}.get(k)
            if k == "str" and n.s.get("maxLength") is not None:
                options = ["z" * (n.s["maxLength"] + 1)]
            if k == "str" and n.s.get("minLength"):
                options = (options or []) + ["z" * (n.s["minLength"] - 1)]
            return rng.choice(options) if options else None
        if k == "bool":
            return rng.choice(["true", "false", "1", "0", "yes", "off", "True", "on"])
        value = self.val.valid_of(n)
        if isinstance(value, bool):
            return "true" if value else "false"
        if k == "int" and rng.random() < 0.2:
            return f" {value} "
        return str(value) if not isinstance(value, str) else value

    def json_headers(self):
        return [("Content-Type", "application/json")]

    def make_put_valid(self, res):
        rng = self.rng
        fresh = rng.random() < 0.3
        key, target = self.key_and_target(res, fresh, lax=rng.random() < 0.15)
        if not fresh and key in res.last and rng.random() < 0.35:
            body, kind = res.last[key], "put.valid.repeat"
        else:
            body = self.val.valid(res.body_schema)
            kind = "put.valid.new" if key not in res.last else "put.valid.update"
            if rng.random() < 0.1:  # extra fields (ignored unless forbidden)
                node = self.sc.node(res.body_schema)
                if node.kind == "model" and not node.info.get("forbid") and isinstance(body, dict):
                    body = {**body, "unknown_field": [1, 2]}
        self.remember(res, key, body)
        return Request(kind, "PUT", target, self.json_headers(), self.encode(body))

    def remember(self, res, key, body, valid=True):
        """key may be stored now; body is what a repeat sends (valid only)."""
        if key not in res.known:
            res.known.append(key)
        if valid:
            res.last[key] = body
        else:
            res.last.pop(key, None)

    def make_put_coerce(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.3, lax=rng.random() < 0.3)
        body, labels = self.mutate(res.body_schema, self.val.valid(res.body_schema), "coerce", rng.choice([1, 1, 2, 3]))
        if labels and not any("special" in x or "big" in x for x in labels):
            self.remember(res, key, body, valid=False)
        return Request("put.coerce", "PUT", target, self.json_headers(), self.encode(body), " ".join(labels), labels)

    def make_put_invalid(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.4)
        count = rng.choice([1, 1, 1, 2, 3])
        for _ in range(10):  # a body with nothing to break ({} of optional fields): another
            body, labels = self.mutate(res.body_schema, self.val.valid(res.body_schema), "invalid", count)
            if labels:
                return Request("put.invalid", "PUT", target, self.json_headers(), self.encode(body),
                               " ".join(labels), labels)
        return self.make_put_not_object(res)

    def make_put_bad_id(self, res):
        rng = self.rng
        refusable = [r for r in self.resources if any(self.bad_id(p) is not None for p in r.params)]
        if not refusable:
            return self.make_put_invalid(res)
        res = res if res in refusable else rng.choice(refusable)
        key, target = self.key_and_target(res, True, bad=True)
        body = self.val.valid(res.body_schema)
        labels = []
        if rng.random() < 0.4:  # and a bad body: path errors come first
            body, labels = self.mutate(res.body_schema, body, "invalid")
        return Request("put.bad-id", "PUT", target, self.json_headers(), self.encode(body), " ".join(labels), labels)

    def make_put_bad_json(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.5)
        text = self.encode(self.val.valid(res.body_schema))
        how = rng.choice(["truncated", "trailing", "trailing", "control", "single-quotes", "invalid-utf8",
                          "huge-int", "deep", "bare-word"])
        if how == "truncated":
            text = text[: rng.randint(1, max(1, len(text) - 1))]
        elif how == "trailing":
            text += rng.choice([b" x", b"}", b",", b"\n\n{}", b" 1"])
        elif how == "control":
            text = b'{"a": "tab\there"}'
        elif how == "single-quotes":
            text = text.replace(b'"', b"'") if b'"' in text else b"{'a': 1}"
        elif how == "invalid-utf8":
            text = b'{"a": "\xff\xfe"}'
        elif how == "huge-int":
            text = b'{"a": ' + b"9" * 5000 + b"}"
        elif how == "deep":
            text = b"[" * 2000 + b"]" * 2000
        else:
            text = rng.choice([b"nul", b"True", b"{a: 1}", b"{,}", b"[1,]"])
        return Request("put.bad-json", "PUT", target, self.json_headers(), text, how)

    def make_put_not_object(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.5)
        text = rng.choice([b"[]", b"[1, 2]", b'"text"', b"null", b"42", b"true", b"1.5",
                           b"[" + self.encode(self.val.valid(res.body_schema)) + b"]"])
        return Request("put.not-object", "PUT", target, self.json_headers(), text, text[:20].decode("utf-8", "replace"))

    def make_put_empty_body(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.5)
        body, headers, note = rng.choice([(b"", self.json_headers(), "empty"), (b"", [], "empty, no content-type"),
                                          (b"{}", self.json_headers(), "{}"), (b"  \n", self.json_headers(), "whitespace")])
        if not self.sc.deref(res.body_schema).get("required") and (note == "{}" or not res.body_required):
            self.remember(res, key, {}, valid=False)
        return Request("put.empty-body", "PUT", target, headers, body, note)

    def make_put_content_type(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.5)
        body = self.val.valid(res.body_schema)
        ctype = rng.choice([None, "text/plain", "application/vnd.api+json", "application/json; charset=utf-8",
                            "APPLICATION/JSON", "application/x-www-form-urlencoded", "application/json-patch+json",
                            "application/xml", "application/merge-patch+json; charset=latin-1", "json", ""])
        headers = [] if ctype is None else [("Content-Type", ctype)]
        return Request("put.content-type", "PUT", target, headers, self.encode(body), repr(ctype))

    def make_put_odd_json(self, res):
        """Valid JSON spelt oddly: duplicate keys (the last wins), a BOM,
        NaN and Infinity tokens, a body in UTF-16."""
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.5)
        body = self.val.valid(res.body_schema)
        text = self.encode(body)
        how = rng.choice(["duplicate-key", "bom", "utf-16", "nan-field"])
        if how == "duplicate-key" and isinstance(body, dict) and body:
            first = next(iter(body))
            text = b'{"' + first.encode() + b'": "first", ' + text[1:]
        elif how == "bom":
            text = b"\xef\xbb\xbf" + text
        elif how == "utf-16":
            text = text.decode("utf-8").encode("utf-16-le")
        else:
            text = text[:-1] + (b', "nan": NaN}' if text.endswith(b"}") and len(text) > 2 else b"")
        return Request("put.odd-json", "PUT", target, self.json_headers(), text, how)

    def make_get(self, res):
        rng = self.rng
        if res.get is None:
            return self.make_method_wrong(res, method="GET")
        r = rng.random()
        if r < 0.15 and any(self.bad_id(p) is not None for p in res.params):
            key, target = self.key_and_target(res, True, bad=True)
            kind = "get.bad-id"
        elif r < 0.4 or not res.known:
            key, target = self.key_and_target(res, True, lax=rng.random() < 0.2)
            kind = "get.missing"
        else:
            key, target = self.key_and_target(res, False, lax=rng.random() < 0.2)
            kind = "get.stored"
        if rng.random() < 0.05:
            target += "?verbose=1"
        return Request(kind, "GET", target, [], b"")

    def make_delete(self, res):
        rng = self.rng
        if res.delete is None:
            return self.make_method_wrong(res, method="DELETE")
        r = rng.random()
        if r < 0.15 and any(self.bad_id(p) is not None for p in res.params):
            key, target = self.key_and_target(res, True, bad=True)
            kind = "delete.bad-id"
        elif r < 0.35 or not res.known:
            key, target = self.key_and_target(res, True)
            kind = "delete.missing"
        else:
            key, target = self.key_and_target(res, False, lax=rng.random() < 0.2)
            kind = "delete.stored"
            res.known.remove(key)
            res.last.pop(key, None)
        return Request(kind, "DELETE", target, [], b"")

    def make_method_wrong(self, res, method=None):
        rng = self.rng
        methods = method and [method] or [m for m in ALL_METHODS if m not in res.methods]
        method = rng.choice(methods)
        key, target = self.key_and_target(res, rng.random() < 0.5)
        body = self.encode(self.val.valid(res.body_schema)) if rng.random() < 0.5 else b""
        headers = self.json_headers() if body else []
        return Request("method.wrong", method, target, headers, body)

    def make_path_unknown(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, False)
        prefix = res.template.split("{")[0].rstrip("/")
        target = rng.choice([
            "/nope", "/", "/" + prefix.strip("/").upper() + target[len(prefix):], target + "/extra",
            target + "/" + target.rsplit("/", 1)[-1], prefix + "/a%2Fb", "/openapi.json/x", prefix + "s/1",
            "//" + target.lstrip("/"), target.replace("/", "/./", 1)])
        method = rng.choice(["GET", "PUT", "PUT", "DELETE", "POST"])
        body = self.encode(self.val.valid(res.body_schema)) if method in ("PUT", "POST") else b""
        return Request("path.unknown", method, target, self.json_headers() if body else [], body)

    def make_path_slash(self, res):
        rng = self.rng
        key, target = self.key_and_target(res, rng.random() < 0.5)
        target += "/" + ("?x=1&y=%20" if rng.random() < 0.2 else "")
        method = rng.choice(["PUT", "PUT", "GET", "DELETE"])
        body = self.encode(self.val.valid(res.body_schema)) if method == "PUT" else b""
        return Request("path.slash", method, target, self.json_headers() if body else [], body)

    def make_other(self, res):
        """A non-upsert operation: only requests whose answer the document
        fixes (invalid input: 422; a wrong method: 405)."""
        rng = self.rng
        if not self.others:
            return self.make_method_wrong(res)
        template, method, op = rng.choice(self.others)
        params = [Param(p, self.sc) for p in op.get("parameters", []) if p.get("in") == "path"]
        by_name = {p.name: p for p in params}
        names = re.findall(r"\{([^}]+)\}", template)
        parts = [self.spell(by_name[nm], self.id_value(by_name[nm])) if nm in by_name else "x" for nm in names]
        body_spec = op.get("requestBody", {}).get("content", {}).get("application/json")
        refusable = [i for i, nm in enumerate(names) if nm in by_name and self.bad_id(by_name[nm]) is not None]
        choices = ["method"]
        if body_spec or refusable:
            choices += ["invalid", "invalid"]
        if rng.choice(choices) == "method":
            wrong = [m for m in ALL_METHODS if m not in self.templates.get(template, [])]
            return Request("other.method", rng.choice(wrong), self.fill(template, parts), [], b"")
        body = b""
        note = ""
        if body_spec:
            schema = body_spec.get("schema", {})
            value = self.val.valid(schema)
            if refusable and rng.random() < 0.3:
                i = rng.choice(refusable)
                parts[i] = self.bad_id(by_name[names[i]])
                note = "bad path parameter"
                body = self.encode(value)
            else:
                how = rng.random()
                if how < 0.6:
                    value, labels = self.mutate(schema, value, "invalid", hard=True)
                    note = " ".join(labels)
                    body = self.encode(value) if labels else b"[1]"
                elif how < 0.8:
                    if self.sc.node(schema).kind == "list":  # a list body: not a list
                        body, note = rng.choice([b'"x"', b'{"a": 1}', b"1"]), "not a list"
                    else:
                        body, note = rng.choice([b"[]", b'"x"', b"[1, 2]"]), "not an object"
                else:
                    body = self.encode(value)[:-1] or b"{"
                    note = "truncated JSON"
        else:
            i = rng.choice(refusable)
            parts[i] = self.bad_id(by_name[names[i]])
            note = "bad path parameter"
        return Request("other.invalid", method.upper(), self.fill(template, parts),
                       self.json_headers() if body else [], body, note)


# ---------------------------------------------------------------------------
# Comparing two answers.


def strict_equal(a, b):
    """JSON values equal with their types: 1, 1.0 and true all differ."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


def first_difference(a, b, path="$"):
    """(path, a's value, b's value) where two JSON values first differ, or None."""
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        for key in list(a) + [k for k in b if k not in a]:
            if key not in a or key not in b:
                return f"{path}.{key}", a.get(key, "<absent>"), b.get(key, "<absent>")
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return (f"{path} (length)", len(a), len(b)) if len(a) != len(b) else None
    return None if strict_equal(a, b) else (path, a, b)


def parse_json(body):
    try:
        return True, json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False, None


def compare(a, b, volatile):
    """The ways in which answer b differs from answer a (empty: none)."""
    diffs = []
    if a.note or b.note:
        if a.note != b.note:
            diffs.append("connection")
    if a.status != b.status:
        diffs.append("status")
    for name in ("content-type", "location"):
        if name == "content-type" and a.status == b.status == 204 and not a.body and not b.body:
            # A bodiless 204: `status_code=204` with a handler returning None
            # says application/json, `return Response(status_code=204)` says
            # nothing; the document is the same (the README lists it).
            continue
        if a.header(name) != b.header(name):
            diffs.append(name)
    allow_a, allow_b = a.header("allow"), b.header("allow")
    norm = lambda v: v if v is None else sorted(m.strip() for m in v.split(","))
    if norm(allow_a) != norm(allow_b):
        diffs.append("allow")
    ok_a, ja = parse_json(a.body) if a.body else (False, None)
    ok_b, jb = parse_json(b.body) if b.body else (False, None)
    if ok_a and ok_b:
        dropped = False
        for j in (ja, jb):
            if isinstance(j, dict):
                for key in volatile:
                    if key in j:
                        del j[key]
                        dropped = True
        if not strict_equal(ja, jb):
            diffs.append("body")
        elif a.body != b.body and not dropped:
            diffs.append("body bytes (JSON equal)")
    elif a.body != b.body:
        diffs.append("body")
    return diffs


def short(data, limit=300):
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else str(data)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def show_answer(r):
    if r.status == 0:
        return f"no answer {r.note}: {short(r.body, 120)!r}"
    head = f"{r.status} content-type={r.header('content-type')}"
    for name in ("allow", "location"):
        if r.header(name) is not None:
            head += f" {name}={r.header(name)}"
    return head + (f" {r.note}" if r.note else "") + "  " + short(r.body)


# ---------------------------------------------------------------------------
# One app.


def fetch_doc(addr, label):
    resp = exchange(addr, request_bytes("GET", "/openapi.json", [], b""))
    if resp.status != 200:
        raise Usage(f"{label}: GET /openapi.json answered {resp.status}")
    try:
        return resp.body, json.loads(resp.body)
    except ValueError:
        raise Usage(f"{label}: /openapi.json is not JSON")


# What a stream must reach in an app (checked with --self-test): statuses,
# and every request kind the stream makes.
EXPECTED_STATUSES = {201, 422, 404, 405, 307}


# What the whole stream (every default app) must reach, checked with --self-test.
EXPECTED_CHANGES = [
    "invalid.type", "invalid.null", "invalid.missing", "invalid.bound", "invalid.length", "invalid.pattern",
    "invalid.enum", "invalid.extra", "invalid.items", "invalid.item", "invalid.dict-value", "invalid.tag",
    "invalid.multiple", "invalid.fraction", "invalid.format", "invalid.special",
    "coerce.int-from-str", "coerce.int-from-float", "coerce.int-from-bool", "coerce.float-from-str",
    "coerce.float-from-int", "coerce.bool", "coerce.date", "coerce.datetime", "coerce.time", "coerce.uuid",
    "coerce.decimal", "coerce.union", "coerce.enum-int", "param.invalid", "param.missing",
]
EXPECTED_WHERE = ["top", "nested", "list-item", "dict-value", "union-member", "body", "query", "header"]


class AppResult:
    def __init__(self, app):
        self.app = app
        self.sent = 0
        self.kinds = collections.Counter()  # request kind -> count
        self.statuses = collections.Counter()  # the app's status -> count
        self.changes = collections.Counter()  # label@context -> count
        self.differ = []  # (index, request, app's answer, other answer, [what differs])
        self.problems = []  # the harness's own mistakes, found on the way
        self.crash = None  # a server that exited during the run


def run_app(app, args, log):
    """Runs one app's stream against both servers; returns its results."""
    module = f"standin_{app}"
    work = tempfile.mkdtemp(prefix=f"{module}-")
    procs = []
    try:
        proc_a, addr_a = start_uvicorn(args.python, module, app)
        procs.append(proc_a)
        raw_doc, doc = fetch_doc(addr_a, app)
        doc_path = os.path.join(work, "openapi.json")
        with open(doc_path, "wb") as f:
            f.write(raw_doc)
        if args.self_test:
            proc_b, addr_b = start_uvicorn(args.python, module, app + " (second instance)")
        else:
            proc_b, addr_b = start_itemctl(args.itemctl, doc_path, app)
        procs.append(proc_b)

        stream = Stream(doc, random.Random(f"{args.seed}:{app}"))
        reqs = stream.requests(args.cases)
        volatile = VOLATILE.get(app, set())
        result = AppResult(app)
        kinds, statuses, differ, problems = result.kinds, result.statuses, result.differ, result.problems
        for i, req in enumerate(reqs):
            raw = req.raw()
            a = exchange(addr_a, raw)
            b = exchange(addr_b, raw)
            result.sent += 1
            kinds[req.kind] += 1
            result.changes.update(req.changes)
            statuses[a.status] += 1
            diffs = compare(a, b, volatile)
            if diffs:
                differ.append((i, req, a, b, diffs))
            if log:
                log.write(json.dumps({
                    "app": app, "i": i, "kind": req.kind, "note": req.note, "method": req.method,
                    "target": req.target, "headers": req.headers, "body": short(req.body, 2000),
                    "a": [a.status, a.header("content-type"), short(a.body, 2000), a.header("allow"), a.header("location")],
                    "b": [b.status, b.header("content-type"), short(b.body, 2000), b.header("allow"), b.header("location")],
                    "differ": diffs,
                }, ensure_ascii=False) + "\n")
            if req.kind.startswith("other.") and 200 <= a.status < 300:
                problems.append(f"request {i} ({req.method} {req.target}) to a non-upsert operation "
                                f"answered {a.status}: its answer is not the document's")
            for proc, name in ((proc_a, "the app"), (proc_b, "app#2" if args.self_test else "itemctl serve")):
                if proc.poll() is not None:
                    # A server that died: the rest of the stream means nothing.
                    result.crash = (f"{name} exited ({proc.returncode}) after request #{i} "
                                    f"({req.method} {req.target}): {first_error_line(read_log(proc.log))}")
                    return result
    finally:
        for p in procs:
            CHILDREN.stop(p)
        shutil.rmtree(work, ignore_errors=True)
    return result


def counts(counter, order=None):
    keys = sorted(counter, key=order or (lambda k: (-counter[k], str(k))))
    return ", ".join(f"{k}: {counter[k]}" for k in keys)


def report_app(args, r, shown):
    """Prints one app's summary and its first differences; returns whether
    anything is wrong."""
    other_name = "app#2" if args.self_test else "itemctl"
    print(f"{r.app}: {r.sent} requests, {len(r.differ)} differ")
    if r.crash:
        print(f"  CRASH: {r.crash}")
    print(f"  statuses: {counts(r.statuses, lambda k: (-r.statuses[k], k))}")
    print(f"  kinds: {counts(r.kinds, lambda k: k)}")
    by_label = collections.Counter(m.split("@")[0] for m in r.changes.elements())
    by_where = collections.Counter(m.split("@")[1] for m in r.changes.elements())
    print(f"  changes: {counts(by_label, lambda k: k)}")
    print(f"  where: {counts(by_where, lambda k: k)}")
    for i, req, a, b, diffs in r.differ:
        if shown[0] >= args.show:
            break
        shown[0] += 1
        print(f"  DIFF #{i} {req.kind} ({', '.join(diffs)})" + (f" [{req.note}]" if req.note else ""))
        headers = "".join(f" {k}: {v};" for k, v in req.headers)
        print(f"    > {req.method} {req.target}{headers} body: {short(req.body, 400)}")
        print(f"    app:  {show_answer(a)}")
        print(f"    {other_name + ':':5} {show_answer(b)}")
        ok_a, ja = parse_json(a.body) if a.body else (False, None)
        ok_b, jb = parse_json(b.body) if b.body else (False, None)
        found = first_difference(ja, jb) if ok_a and ok_b and "body" in diffs else None
        if found:
            where, x, y = found
            print(f"    first difference at {where}: {short(json.dumps(x, ensure_ascii=False), 150)} "
                  f"vs {short(json.dumps(y, ensure_ascii=False), 150)}")
    for p in r.problems:
        print(f"  HARNESS: {p}")
    missing = []
    if args.self_test and args.cases >= 600:
        missing = sorted(EXPECTED_STATUSES - set(r.statuses))
        if not ({200, 204} & set(r.statuses)):
            missing.append("200 or 204")
        for kind in ("put.valid.new", "put.valid.update", "put.valid.repeat", "put.coerce", "put.invalid",
                     "put.bad-json", "put.not-object", "put.empty-body", "put.content-type", "get.stored",
                     "get.missing", "method.wrong", "path.unknown", "path.slash"):
            if not r.kinds[kind]:
                missing.append(kind)
        for m in missing:
            print(f"  COVERAGE: the stream never reached {m}")
    return bool(r.differ or r.crash or r.problems or missing)


# ---------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--itemctl", help="the itemctl binary (not needed with --self-test)")
    ap.add_argument("--python", required=True, help="the Python of a venv with fastapi, pydantic, uvicorn")
    ap.add_argument("--apps", help="comma-separated app names (default: " + ",".join(APPS) + ")")
    ap.add_argument("--cases", type=int, default=600, help="requests per app (default 600)")
    ap.add_argument("--seed", default="1", help="the stream's seed (default 1)")
    ap.add_argument("--show", type=int, default=10, help="differences to print in full (default 10)")
    ap.add_argument("--self-test", action="store_true", help="app against a second instance of itself")
    ap.add_argument("--log", help="write every request and both answers to this file (JSON lines)")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        raise SystemExit(2 if e.code else 0)
    known = APPS + OPTIONAL_APPS
    if args.apps:
        args.apps = [a.strip().removeprefix("standin_").removesuffix(".py") for a in args.apps.split(",") if a.strip()]
        unknown = [a for a in args.apps if a not in known]
        if unknown:
            raise Usage(f"unknown app {', '.join(unknown)} (the apps: {', '.join(known)})")
    else:
        args.apps = list(APPS)
    if args.cases < 1:
        raise Usage("--cases must be at least 1")
    if not args.self_test:
        if not args.itemctl:
            raise Usage("--itemctl BIN is required (or --self-test)")
        if not (os.path.isfile(args.itemctl) and os.access(args.itemctl, os.X_OK)):
            raise Usage(f"--itemctl {args.itemctl}: not an executable file")
        args.itemctl = os.path.abspath(args.itemctl)
    if not os.path.exists(args.python):
        raise Usage(f"--python {args.python}: no such file")
    return args


def can_import(python, module):
    return subprocess.run([python, "-c", f"import {module}"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=60).returncode == 0


def main(argv):
    args = parse_args(argv)
    log = open(args.log, "w", encoding="utf-8") if args.log else None
    try:
        return run_apps(args, log)
    finally:
        if log:
            log.close()


def run_apps(args, log):
    started = time.monotonic()
    total = total_diff = 0
    bad = False
    shown = [0]
    changes = collections.Counter()
    for app in args.apps:
        need = NEEDS.get(app)
        if need and not can_import(args.python, need):
            print(f"{app}: skipped: {need} cannot be imported by {args.python} "
                  f"(pip install {need.replace('_', '-')} into that venv to run it)")
            continue
        result = run_app(app, args, log)
        bad = report_app(args, result, shown) or bad
        total += result.sent
        total_diff += len(result.differ)
        changes.update(result.changes)
        sys.stdout.flush()
    if args.self_test and args.cases >= 600 and all(a in args.apps for a in APPS if a not in NEEDS):
        labels = {m.split("@")[0] for m in changes}
        where = {m.split("@")[1] for m in changes}
        for m in [x for x in EXPECTED_CHANGES if x not in labels] + [x for x in EXPECTED_WHERE if x not in where]:
            print(f"COVERAGE: no app's stream made {m}")
            bad = True
    print(f"all: {total} requests, {total_diff} differ ({time.monotonic() - started:.1f} s)")
    return 1 if total_diff or bad else 0


def on_signal(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    # SIGINT too: a background job inherits it ignored, and Python keeps that.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    code = 2
    try:
        code = main(sys.argv[1:])
    except Usage as e:
        print(f"standin_diff: {e}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("standin_diff: interrupted", file=sys.stderr)
        code = 130
    finally:
        CHILDREN.stop_all()
    sys.exit(code)
