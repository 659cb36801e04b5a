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

Then the services of issue 19 ("wrong verdicts on ordinary apps"), each run
stating its own flags and verdict (RUNS below):
- products_fastapi.py, a product service as a FastAPI user writes one (an
  enum, a nested model, a bounded list of nested models, number bounds, a
  date-time, a dict, an optional model, a discriminated union, `sku: str =
  Path(min_length=3, max_length=32)`), correct with three kinds of sku rules
  (SKU_RULES: 3 to 32 characters; short, 3 to 12 with a pattern; free, any
  text) and with nulls left out of responses (EXCLUDE_NONE=1), and broken:
  deepmerge, listmerge, unionmerge (replace); nestedinvalid, listinvalid,
  dictinvalid, unioninvalid (invalid); strip, plus, nfkc, fullwidth
  (identity); asciionly (unicode); slow (correct at 2.5 s an answer: passes
  with --timeout 10s); dies (exits after 5 PUTs: exit 3, one error);
  update204 (an undocumented 204: update fails, passes with --update-204);
  and a misspelt --path, whose 404s must say once what to try;
- parcels_node.js, plain Node with a hand-written OpenAPI 3.0 YAML document
  (--openapi URL or FILE), nested at every depth: deepmerge, linesmerge
  (replace), nestedinvalid (invalid); and without --openapi, a run of 404s
  that must say once what to try;
- records_plain.py without --path: the same.

A run states the exit it wants (0, 1, 3; or a choice), the checks that must
fail (exactly: `fail`; at least: `fail_at_least`), what their messages must
say (`why`), for exit 3 that the report is an error (JSON `error`, JUnit
`<error>`, TAP `Bail out!`) and no check failed, and for a run of 404s that
the output says what to try. A flawed run's failure proves the flaw only
when the same service without the flaw (same SKU_RULES) passes that check:
otherwise the run is wrong too.

Usage: check_services.py --itemctl target/release/itemctl --python VENV/bin/python
  [--node node] [--only TEXT] [--list] [-v]
(the venv needs fastapi and uvicorn: the reference's venv has them; the
Node service needs node, 18 or later, and no packages).
Prints one line per run, then "N runs, M wrong"; exit 1 if any is wrong.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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

# The services of issue 19. A service: `name`, `start` (argv; "{python}"
# and "{node}" are replaced, the port is appended), `path` (the endpoint
# check must find), `source` (a regex its schema source must match), `runs`.
# A run:
#   flaw, env          FLAW and other environment for the service
#   flags              check's flags ({url}: the service's URL, {here}: this
#                      directory, {tmp}: a scratch directory)
#   exit               the exit wanted (an int, or a tuple of them)
#   fail               exactly these checks fail
#   fail_at_least      at least these fail
#   why                {check: regex} its failure message must match
#   min_passed         at least this many checks pass (exit 0)
#   error              the report is an error (exit 3): JSON error set, no
#                      check failed, and the --report file ({tmp}/check.xml
#                      or .tap) says so
#   hint, max_failed   stdout or stderr matches `hint`; at most `max_failed`
#                      checks failed
#   bench              also run bench with the same flags (it must exit 0)
#   path, source       override the service's (None: not compared)
#   timeout            seconds check may take
PRODUCTS = "/v2/products/{sku}"
PARCELS_YAML = ["--openapi", "{url}/openapi.yaml"]
RUNS = [
    {
        "name": "products",
        "about": "FastAPI, an enum, a nested model, a list of models, bounds, sku 3 to 32 characters",
        "start": ["{python}", "-m", "uvicorn", "products_fastapi:app", "--host", "127.0.0.1", "--port"],
        "path": PRODUCTS,
        "source": r"/openapi\.json$",
        "runs": [
            # The correct service, with each kind of sku rules. Issue 19,
            # false FAIL: with maxLength below ~57, identity PUTs an id it
            # has already made and wants 201.
            {"exit": 0, "min_passed": 9, "bench": True},
            {"flags": ["--fastapi"], "exit": 0, "min_passed": 9},
            {"env": {"SKU_RULES": "short"}, "exit": 0, "min_passed": 9, "bench": True},
            {"env": {"SKU_RULES": "free"}, "exit": 0, "min_passed": 9},
            # Nulls left out of responses, nested ones too: still correct.
            {"env": {"EXCLUDE_NONE": "1"}, "exit": 0, "min_passed": 9},
            # False PASS, replace: nested values merged on update (a nested
            # model, list items, a union's member).
            {"flaw": "deepmerge", "exit": 1, "fail": {"replace"}, "why": {"replace": r"dims"}},
            {"flaw": "listmerge", "exit": 1, "fail": {"replace"}, "why": {"replace": r"variants"}},
            {"flaw": "unionmerge", "exit": 1, "fail": {"replace"}, "why": {"replace": r"promo"}},
            # False PASS, invalid: bodies whose only errors are nested are
            # stored (anywhere below the top; in a list item; in a dict
            # value; in a union's member).
            {
                "flaw": "nestedinvalid",
                "exit": 1,
                "fail": {"invalid"},
                "why": {"invalid": r"dims\.|variants\[|attributes\.|warranty\.|promo\."},
            },
            {"flaw": "listinvalid", "exit": 1, "fail": {"invalid"}, "why": {"invalid": r"variants\["}},
            {"flaw": "dictinvalid", "exit": 1, "fail": {"invalid"}, "why": {"invalid": r"attributes\."}},
            {"flaw": "unioninvalid", "exit": 1, "fail": {"invalid"}, "why": {"invalid": r"promo"}},
            # False PASS, identity: normalised ids, where the path parameter
            # admits the pair (3 to 32 characters; and any text).
            *[
                {"flaw": flaw, "env": env, "exit": 1, "fail": {"identity"}}
                for flaw in ["strip", "plus", "nfkc", "fullwidth"]
                for env in [{}, {"SKU_RULES": "free"}]
            ],
            # Beyond issue 19: a non-ASCII sku gets 404. unicode sends a
            # non-ASCII id only when "ünï ☃ " and a whole fresh id fit in
            # maxLength, and passes without one.
            {"flaw": "asciionly", "exit": 1, "fail_at_least": {"unicode"}},
            {"flaw": "asciionly", "env": {"SKU_RULES": "free"}, "exit": 1, "fail_at_least": {"unicode"}},
            # RFC 9110 allows 204 on update: not documented, it fails update
            # without the flag and passes with it.
            {
                "flaw": "update204",
                "exit": 1,
                "fail_at_least": {"update"},
                "why": {"update": r"204"},
            },
            {"flaw": "update204", "flags": ["--update-204"], "exit": 0, "min_passed": 9},
            # False "unreachable": the first probe has its own 2 s limit.
            # (--only: at 2.5 s an answer the whole suite takes minutes.)
            {
                "flaw": "slow",
                "flags": ["--timeout", "10s", "--only", "create,update,replace"],
                "exit": 0,
                "min_passed": 3,
                "timeout": 120,
            },
            # ... and a 1 s limit is one: unreachable (a control).
            {
                "flaw": "slow",
                "flags": ["--timeout", "1s", "--only", "create"],
                "exit": 3,
                "error": r"timed out",
                "path": None,
                "source": None,
            },
            # A server that dies mid-run: exit 3, one error, no failures.
            {
                "flaw": "dies",
                "flags": ["--report", "{tmp}/check.xml"],
                "exit": 3,
                "error": r".",
                "path": None,
                "source": None,
            },
            {
                "flaw": "dies",
                "flags": ["--report", "{tmp}/check.tap"],
                "exit": 3,
                "error": r".",
                "path": None,
                "source": None,
            },
            # A misspelt --path: 404 on every check. Say once what to try.
            {
                "flags": ["--path", "/v2/product/{sku}"],
                "exit": (1, 2),
                "hint": r"--path|--openapi|/v2/products/\{sku\}",
                "max_failed": 1,
                "path": None,
                "source": None,
            },
        ],
    },
    {
        "name": "parcels",
        "about": "plain Node, a hand-written OpenAPI 3.0 YAML document, nested models and lists",
        "start": ["{node}", "parcels_node.js"],
        "path": "/api/parcels/{parcelId}",
        "source": r"/openapi\.yaml$",
        "runs": [
            {"flags": PARCELS_YAML, "exit": 0, "min_passed": 9, "bench": True},
            {
                "flags": ["--openapi", "{here}/parcels_node.openapi.yaml"],
                "exit": 0,
                "min_passed": 9,
                "source": r"parcels_node\.openapi\.yaml$",
            },
            {"flaw": "deepmerge", "flags": PARCELS_YAML, "exit": 1, "fail": {"replace"}, "why": {"replace": r"address"}},
            {"flaw": "linesmerge", "flags": PARCELS_YAML, "exit": 1, "fail": {"replace"}, "why": {"replace": r"lines"}},
            {
                "flaw": "nestedinvalid",
                "flags": PARCELS_YAML,
                "exit": 1,
                "fail": {"invalid"},
                "why": {"invalid": r"address\.|lines\["},
            },
            # No document at /openapi.json: the tutorial's path, 404 on
            # every check. Say once what to try, not nine failures.
            {
                "exit": (1, 2),
                "hint": r"--openapi|--path",
                "max_failed": 1,
                "path": None,
                "source": None,
            },
        ],
    },
    {
        "name": "records",
        "about": "http.server, no OpenAPI document, checked without --path",
        "start": ["{python}", "records_plain.py"],
        "path": "/items/{item_id}",
        "source": None,
        "runs": [
            {
                "exit": (1, 2),
                "hint": r"--path|--openapi",
                "max_failed": 1,
                "path": None,
            },
        ],
    },
]


def legacy_runs():
    """SERVICES and FLAWS as services with runs (the same expectations)."""
    out = []
    for s in SERVICES:
        name = s["name"].split(":", 1)[0]
        base = {
            "flags": s["flags"],
            "path": s["path"],
            "source": r"/openapi\.json$" if s["documented"] else None,
        }
        runs = [{**base, "exit": 0, "min_passed": s.get("min_passed", 9), "bench": True}]
        if s["documented"]:
            runs.append(
                {
                    **base,
                    "flags": [*s["flags"], "--fastapi"],
                    "exit": 0,
                    "min_passed": s.get("min_passed", 9),
                }
            )
        for flaw in s.get("flaws", FLAWS):
            runs.append({**base, "flaw": flaw, "exit": 1, "fail_at_least": {FLAWS[flaw]}})
        start = ["{python}", *s["start"]]
        out.append({"name": name, "about": s["name"].split(": ", 1)[1], "start": start, "runs": runs})
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """A service process on a free port, stopped (its process group) on exit."""

    def __init__(self, argv, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.error = None
        try:
            self.proc = subprocess.Popen(
                [*argv, str(self.port)],
                cwd=HERE,
                # No __pycache__ left in tests/services.
                env=dict(env, PYTHONDONTWRITEBYTECODE="1"),
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as e:
            self.proc = None
            self.error = f"cannot start {argv[0]}: {e}"

    def wait_listening(self, seconds=30):
        """None once it accepts connections, else why not."""
        if self.proc is None:
            return self.error
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return None
            except OSError:
                if self.proc.poll() is not None:
                    return f"the service exited ({self.proc.returncode}) before listening: {self.output()}"
                time.sleep(0.05)
        return f"the service did not listen within {seconds} s: {self.output()}"

    def output(self):
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace").strip()
        return text[-600:] or "(no output)"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self.log.close()


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("ITEMCTL_") and k not in ("FLAW", "SKU_RULES")}


def itemctl(args, argv, timeout):
    """(exit, stdout, stderr) of itemctl ARGV; exit None when it timed out."""
    try:
        out = subprocess.run(
            [args.itemctl, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", f"itemctl did not finish within {timeout} s"
    return out.returncode, out.stdout, out.stderr


def bench_summary(args, url, flags):
    code, out, err = itemctl(
        args,
        ["bench", "--url", url, *flags, "-n", "400", "-c", "4", "--ids", "50", "--json"],
        120,
    )
    try:
        doc = json.loads(out)
        return code, f"{doc['requests']} requests, statuses {doc['status']}, violations {doc['violations']}"
    except (ValueError, KeyError, TypeError):
        return code, err.strip() or out.strip()[:300]


def one_line(text, limit=400):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def judge(run, service, code, doc, out, err, tmp, baseline):
    """The ways a run's outcome is not the one wanted (empty: right)."""
    wrong = []
    wanted = run["exit"] if isinstance(run["exit"], tuple) else (run["exit"],)
    if code not in wanted:
        wrong.append(f"exit {code}, want {' or '.join(map(str, wanted))}")
    if doc is None:
        wrong.append(f"no JSON report on stdout: {one_line(err or out)}")
        return wrong
    checks = doc.get("checks", [])
    failed = {c["name"] for c in checks if c["status"] == "fail"}
    passed = {c["name"] for c in checks if c["status"] == "pass"}
    message = {c["name"]: c["message"] for c in checks}
    path = run.get("path", service.get("path"))
    if path is not None and doc.get("path") != path:
        wrong.append(f"path {doc.get('path')!r}, want {path!r}")
    source = run.get("source", service.get("source"))
    if source is not None and not re.search(source, doc.get("source") or ""):
        wrong.append(f"schema source {doc.get('source')!r}, want /{source}/")
    if run["exit"] == 0:
        if failed:
            wrong.append(f"failed {sorted(failed)}")
        if len(passed) < run.get("min_passed", 1):
            wrong.append(f"only {len(passed)} passed ({sorted(passed)}), want at least {run['min_passed']}")
    if "fail" in run and failed != run["fail"]:
        wrong.append(f"failed {sorted(failed)}, want exactly {sorted(run['fail'])}")
    if "fail_at_least" in run and not run["fail_at_least"] <= failed:
        wrong.append(f"failed {sorted(failed)}, want at least {sorted(run['fail_at_least'])}")
    for check, pattern in run.get("why", {}).items():
        if check in failed and not re.search(pattern, message.get(check, "")):
            wrong.append(f"{check} failed, but not for /{pattern}/: {one_line(message[check], 200)}")
    if run.get("flaw") and baseline is not None:
        # The failure is the flaw's only if the correct service passes it.
        for check in sorted(run.get("fail", set()) | run.get("fail_at_least", set())):
            if check in failed and check not in baseline:
                wrong.append(
                    f"{check} fails on the correct service too, so its failure here proves nothing about FLAW={run['flaw']}"
                )
    if "error" in run:
        error = doc.get("error")
        if not error:
            wrong.append("the JSON report's error is null (want the one error that stopped the run)")
        elif not re.search(run["error"], error):
            wrong.append(f"error {error!r}, want /{run['error']}/")
        if failed:
            wrong.append(
                f"{len(failed)} checks failed ({', '.join(sorted(failed))}), want none: "
                + one_line(message[sorted(failed)[0]], 160)
            )
        if any("--report" in f for f in run.get("flags", [])) and not os.listdir(tmp):
            wrong.append("--report wrote no file")
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), encoding="utf-8", errors="replace") as f:
                report = f.read()
            if name.endswith(".xml") and ("<error" not in report or "<failure" in report):
                wrong.append(f"JUnit report: want an <error> and no <failure>, got {report.count('<error')} and {report.count('<failure')}")
            if name.endswith(".tap") and (
                "Bail out!" not in report or re.search(r"(?m)^not ok", report)
            ):
                oks = len(re.findall(r"(?m)^not ok", report))
                wrong.append(f"TAP report: want Bail out! and no 'not ok', got {'Bail out!' in report} and {oks}")
    if "hint" in run and not re.search(run["hint"], out + err):
        wrong.append(f"nothing says what to try (/{run['hint']}/)")
    if "max_failed" in run and len(failed) > run["max_failed"]:
        wrong.append(f"{len(failed)} checks failed ({', '.join(sorted(failed))}), want at most {run['max_failed']}")
    return wrong


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--itemctl", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--node", default="node", help="the node binary (default: node on PATH)")
    ap.add_argument("--only", default="", help="only services or runs whose label contains this text")
    ap.add_argument("--list", action="store_true", help="list the runs, run nothing")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print each check's message for wrong runs")
    args = ap.parse_args()
    args.itemctl = os.path.abspath(args.itemctl)
    node = shutil.which(args.node) or args.node

    wrong_runs = []
    runs = 0
    for service in [*legacy_runs(), *RUNS]:
        # The checks the correct service (no flaw) passed, per environment.
        baselines = {}
        for run in service["runs"]:
            flaw = run.get("flaw", "")
            env_extra = run.get("env", {})
            flags_t = run.get("flags", [])
            label = " ".join(
                part
                for part in [
                    f"{service['name']:9}",
                    f"FLAW={flaw or '-':13}",
                    " ".join(f"{k}={v}" for k, v in env_extra.items()),
                    " ".join(flags_t),
                ]
                if part
            ).rstrip()
            if args.only and args.only not in f"{service['name']} {label}":
                continue
            if args.list:
                print(label)
                continue
            runs += 1
            argv = [{"{python}": args.python, "{node}": node}.get(a, a) for a in service["start"]]
            env = dict(clean_env(), FLAW=flaw, **env_extra)
            tmp = tempfile.mkdtemp(prefix="itemctl-services-")
            bench = None
            svc = Service(argv, env)
            try:
                why_not = svc.wait_listening()
                if why_not:
                    code, doc, out, err, wrong = None, None, "", "", [why_not]
                else:
                    flags = [f.replace("{url}", svc.url).replace("{here}", HERE).replace("{tmp}", tmp) for f in flags_t]
                    code, out, err = itemctl(
                        args,
                        ["check", "--url", svc.url, *flags, "--format", "json"],
                        run.get("timeout", 120),
                    )
                    try:
                        doc = json.loads(out)
                    except ValueError:
                        doc = None
                    key = tuple(sorted(env_extra.items()))
                    wrong = judge(run, service, code, doc, out, err, tmp, None if not flaw else baselines.get(key))
                    if not flaw and doc is not None and key not in baselines:
                        baselines[key] = {c["name"] for c in doc.get("checks", []) if c["status"] == "pass"}
                    if run.get("bench"):
                        bench = bench_summary(args, svc.url, flags)
            finally:
                svc.stop()
                shutil.rmtree(tmp, ignore_errors=True)
            if doc is not None:
                failed = [c["name"] for c in doc.get("checks", []) if c["status"] == "fail"]
                seen = (
                    f"exit {code}: {doc.get('passed')} passed, {doc.get('failed')} failed, {doc.get('skipped')} skipped"
                    + (f" (failed: {', '.join(failed)})" if failed else "")
                    + (f" error: {one_line(doc['error'], 120)}" if doc.get("error") else "")
                )
            else:
                seen = f"exit {code}"
            print(f"{'WRONG' if wrong else 'ok':5} {label}: {seen}")
            for w in wrong:
                print(f"        - {w}")
            if wrong:
                wrong_runs.append(label)
                if args.verbose and doc is not None:
                    for c in doc.get("checks", []):
                        if c["status"] == "fail":
                            print(f"          {c['name']}: {one_line(c['message'], 300)}")
            if bench is not None:
                runs += 1
                bcode, bout = bench
                print(f"{'ok' if bcode == 0 else 'WRONG':5} {label} [bench]: exit {bcode}: {bout}")
                if bcode != 0:
                    wrong_runs.append(f"{label} [bench]")
            sys.stdout.flush()
    if args.list:
        return
    print(f"{runs} runs, {len(wrong_runs)} wrong")
    if wrong_runs:
        sys.exit(1)


if __name__ == "__main__":
    main()
