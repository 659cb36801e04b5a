#!/usr/bin/env python3
"""itemctl check against upsert services that are not the tutorial's.

Eight correct services that differ from the tutorial in path, path
parameters (name, type, constraints, a parent's), model, response and
framework (seven FastAPI apps that publish their OpenAPI document, one
http.server without any), each of which check must pass with
no flag beyond --url (and --path where no document is published or the path
has a parent's parameter); and for
each, up to five broken variants (FLAW=merge, created200, casefold, race, noecho)
that check must fail, naming the right check.

Usage: check_services.py --itemctl target/release/itemctl --python VENV/bin/python
(the venv needs fastapi and uvicorn: the reference's venv has them).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

SERVICES = [
    {
        "name": "users: FastAPI, OpenAPI, an extra id and updated_at in responses",
        "start": ["-m", "uvicorn", "users_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/api/v1/users/{user_id}",
        "flags": [],
        "documented": True,
    },
    {
        "name": "things: FastAPI, OpenAPI, 204 on update, nested model",
        "start": ["-m", "uvicorn", "things_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/inventory/things/{key}",
        "flags": [],
        "documented": True,
    },
    {
        "name": "orders: FastAPI, OpenAPI, integer ids, a Decimal",
        "start": ["-m", "uvicorn", "orders_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/orders/{order_id}",
        "flags": [],
        "documented": True,
    },
    {
        "name": "catalog: FastAPI, embedded body, pattern, response_model",
        "start": ["-m", "uvicorn", "catalog_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/catalog/{slug}",
        "flags": [],
        "documented": True,
        "flaws": ["created200", "casefold", "race", "noecho"],
        # replace and nulls have nothing to see: the one body field is
        # required and not nullable.
        "min_passed": 7,
    },
    {
        "name": "labels: FastAPI, the tutorial's item, a response_model with an id",
        "start": ["-m", "uvicorn", "labels_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/labels/{label_id}",
        "flags": [],
        "documented": True,
    },
    {
        "name": "slugs: FastAPI, a path parameter with a pattern and lengths",
        "start": ["-m", "uvicorn", "slugs_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/v2/pages/{slug}",
        "flags": [],
        "documented": True,
    },
    {
        "name": "shelves: FastAPI, two path parameters, the id repeated in the body",
        "start": ["-m", "uvicorn", "shelves_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/stores/s1/books/{isbn}",
        "flags": ["--path", "/stores/s1/books/{isbn}"],
        "documented": True,
    },
    {
        "name": "codes: FastAPI, a path pattern in pydantic's grammar (\\p{Lu}, \\w, \\d)",
        "start": ["-m", "uvicorn", "codes_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": "/codes/{code}",
        "flags": [],
        "documented": True,
        # No flawed variants: the other services cover them.
        "flaws": [],
    },
    {
        "name": "records: http.server, no OpenAPI, plain errors",
        "start": ["records_plain.py"],
        "path": "/store/records/{rid}",
        "flags": ["--path", "/store/records/{rid}"],
        "documented": False,
    },
]

# Each flaw and the check that must fail for it.
FLAWS = {
    "merge": "replace",
    "created200": "create",
    "casefold": "identity",
    "race": "race",
    "noecho": "create",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(python, service, flaw):
    port = free_port()
    env = dict(os.environ, FLAW=flaw)
    proc = subprocess.Popen(
        [python, *service["start"], str(port)],
        cwd=HERE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"{service['name']}: the service exited ({proc.returncode})")
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"{service['name']}: the service did not listen within 30 s")


def check(itemctl, url, flags):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITEMCTL_")}
    out = subprocess.run(
        [itemctl, "check", "--url", url, *flags, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    try:
        doc = json.loads(out.stdout)
    except ValueError:
        doc = None
    return out.returncode, doc, out.stderr.strip()


def bench(itemctl, url, flags):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITEMCTL_")}
    out = subprocess.run(
        [itemctl, "bench", "--url", url, *flags, "-n", "400", "-c", "4", "--ids", "50", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    try:
        doc = json.loads(out.stdout)
        summary = f"{doc['requests']} requests, statuses {doc['status']}, violations {doc['violations']}"
    except (ValueError, KeyError):
        summary = out.stderr.strip()
    return out.returncode, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--itemctl", required=True)
    ap.add_argument("--python", required=True)
    args = ap.parse_args()
    failures = []
    runs = 0

    def expect(ok, what):
        if not ok:
            failures.append(what)
            print(f"  WRONG: {what}")

    for service in SERVICES:
        print(f"== {service['name']}")
        for flaw in ["", *service.get("flaws", FLAWS)]:
            proc, url = start(args.python, service, flaw)
            try:
                variants = [service["flags"]]
                if service["documented"] and not flaw:
                    variants.append([*service["flags"], "--fastapi"])
                for flags in variants:
                    runs += 1
                    code, doc, err = check(args.itemctl, url, flags)
                    label = f"{service['name']} FLAW={flaw or 'none'} {' '.join(flags)}".strip()
                    if doc is None:
                        expect(False, f"{label}: no JSON report (exit {code}): {err}")
                        continue
                    failed = [c["name"] for c in doc["checks"] if c["status"] == "fail"]
                    passed = [c["name"] for c in doc["checks"] if c["status"] == "pass"]
                    print(
                        f"  {'correct' if not flaw else flaw:10} {' '.join(flags):32} exit {code}: "
                        f"{doc['passed']} passed, {doc['failed']} failed, {doc['skipped']} skipped"
                        + (f" (failed: {', '.join(failed)})" if failed else "")
                    )
                    expect(doc["path"] == service["path"], f"{label}: path {doc['path']!r}")
                    if service["documented"]:
                        expect(
                            doc["source"].endswith("/openapi.json"),
                            f"{label}: schema source {doc['source']!r}",
                        )
                    if not flaw:
                        expect(code == 0 and not failed, f"{label}: expected a pass, failed {failed}")
                        expect(
                            len(passed) >= service.get("min_passed", 9),
                            f"{label}: only {passed} ran",
                        )
                        if flags == service["flags"]:
                            # bench: the discovered (or given) endpoint and a
                            # valid item, every response within the contract.
                            runs += 1
                            code, out = bench(args.itemctl, url, flags)
                            print(f"  {'bench':10} {' '.join(flags):32} exit {code}: {out}")
                            expect(code == 0, f"{label}: bench exit {code}: {out}")
                    else:
                        want = FLAWS[flaw]
                        expect(code == 1, f"{label}: expected exit 1, got {code}")
                        expect(want in failed, f"{label}: expected {want} to fail, failed {failed}")
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    print(f"{runs} runs, {len(failures)} wrong")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
