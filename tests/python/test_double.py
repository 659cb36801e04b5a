"""The itemctl wheel's Python side: itemctl.testing.Double and the pytest
fixtures itemctl_double and itemctl_serve, run from a venv where only the
wheel (and pytest) is installed. `.ci/run` runs it; by hand:

    python -m pytest tests/python -q
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import itemctl
from itemctl.testing import AdminError, BinaryNotFoundError, Double, DoubleError, StartError

pytest_plugins = ["pytester"]

# The doubles listen on 127.0.0.1: no proxy from the environment.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def put(url: str, item_id: str, body: Any) -> Tuple[int, Any]:
    """PUT /items/{item_id} as a client under test would."""
    request = urllib.request.Request(
        f"{url}/items/{item_id}",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"content-type": "application/json"},
    )
    try:
        with DIRECT.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read() or b"null")


def statuses(requests: List[Dict[str, Any]]) -> List[int]:
    return [r["status"] for r in requests]


# -- the session double (itemctl_double) -------------------------------------


def test_a_new_id_is_created_then_replaced(itemctl_double: Double) -> None:
    assert itemctl_double.url.startswith("http://127.0.0.1:")
    assert itemctl_double.item("red") is None
    assert put(itemctl_double.url, "red", {"name": "Chillies", "size": 3}) == (
        201,
        {"name": "Chillies", "size": 3},
    )
    assert put(itemctl_double.url, "red", {"name": "Peppers"}) == (
        200,
        {"name": "Peppers", "size": None},
    )
    assert itemctl_double.item("red") == {"name": "Peppers", "size": None}
    assert list(itemctl_double.items()) == ["foo", "bar", "red"]
    journal = itemctl_double.requests()
    assert [(r["method"], r["target"], r["status"], r["id"], r["created"]) for r in journal] == [
        ("PUT", "/items/red", 201, "red", True),
        ("PUT", "/items/red", 200, "red", False),
    ]
    assert json.loads(journal[0]["body"]) == {"name": "Chillies", "size": 3}


def test_the_seed_is_the_references_and_absent_ids_are_none(itemctl_double: Double) -> None:
    assert itemctl_double.items() == {
        "foo": {"name": "Fighters", "size": 6},
        "bar": {"name": "Tenders", "size": 3},
    }
    assert itemctl_double.item("foo") == {"name": "Fighters", "size": 6}
    assert itemctl_double.item("nope") is None
    assert itemctl_double.item("a b/ü?#") is None  # percent-encoded, not a 404 route
    assert itemctl_double.requests() == []  # the admin calls are not journaled


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_starts_from_a_reset_double(itemctl_double: Double, turn: int) -> None:
    # Whichever turn runs second sees what the first left, unless the
    # fixture reset store, journal and faults in between.
    assert itemctl_double.item("leak") is None
    assert "foo" in itemctl_double.items()
    assert itemctl_double.requests() == []
    assert itemctl_double.faults()["fail_rate"] == 0
    assert put(itemctl_double.url, "leak", {"name": "x"})[0] == 201
    assert put(itemctl_double.url, "foo", {"name": "changed"})[0] == 200
    itemctl_double.delete("bar")
    itemctl_double.set_faults(fail_rate=1, fail_status=500)


def test_faults_through_set_faults(itemctl_double: Double) -> None:
    settings = itemctl_double.set_faults(fail_rate=1, fail_status=503)
    assert settings["fail_rate"] == 1 and settings["fail_status"] == 503
    status, body = put(itemctl_double.url, "42", {"name": "Chillies"})
    assert status == 503
    assert body == {"detail": "Injected fault (itemctl serve --fail-rate)"}
    assert itemctl_double.item("42") is None  # a failed upsert stores nothing
    itemctl_double.clear_faults()
    assert put(itemctl_double.url, "42", {"name": "Chillies"})[0] == 201
    assert statuses(itemctl_double.requests(id="42")) == [503, 201]
    assert statuses(itemctl_double.requests(status=201)) == [201]


def test_faults_for_some_ids_and_a_count(itemctl_double: Double) -> None:
    itemctl_double.set_faults(fail_rate=1, fail_status=429, ids=["slow"], count=2, delay=0.01)
    assert put(itemctl_double.url, "other", {"name": "a"})[0] == 201
    assert [put(itemctl_double.url, "slow", {"name": "b"})[0] for _ in range(3)] == [429, 429, 201]
    assert itemctl_double.faults()["count"] == 0
    journal = itemctl_double.requests(id="slow")
    assert statuses(journal) == [429, 429, 201]
    assert [r["created"] for r in journal] == [None, None, True]


def test_requests_filters_and_clear(itemctl_double: Double) -> None:
    put(itemctl_double.url, "a", {"name": "a"})
    put(itemctl_double.url, "a", {"size": "x"})  # 422: not an integer
    with DIRECT.open(itemctl_double.url + "/openapi.json", timeout=10) as r:
        assert r.status == 200
    assert statuses(itemctl_double.requests()) == [201, 422, 200]
    assert statuses(itemctl_double.requests(method="PUT")) == [201, 422]
    assert [r["target"] for r in itemctl_double.requests(path="/openapi.json")] == ["/openapi.json"]
    itemctl_double.clear_requests()
    assert itemctl_double.requests() == []


def test_admin_refusals_raise_with_the_detail(itemctl_double: Double) -> None:
    with pytest.raises(AdminError, match="fail_rate must be between 0 and 1") as info:
        itemctl_double.set_faults(fail_rate=2)
    assert info.value.status == 422
    with pytest.raises(AdminError, match="invalid fault settings"):
        itemctl_double.set_faults(no_such_field=1)
    with pytest.raises(AdminError) as info:
        itemctl_double.put("x", {"size": "not a number"})
    assert info.value.status == 422
    assert itemctl_double.put("x", {"name": "set up directly"}) is True
    assert itemctl_double.put("x", {"name": "again"}) is False
    assert itemctl_double.requests() == []


def test_load_replaces_the_store(itemctl_double: Double) -> None:
    itemctl_double.load({"k1": {"name": "one"}, "k2": {"name": "two", "size": 2}})
    assert itemctl_double.items() == {
        "k1": {"name": "one", "size": None},
        "k2": {"name": "two", "size": 2},
    }
    assert put(itemctl_double.url, "k1", {"name": "uno"})[0] == 200


# -- factory doubles (itemctl_serve) -----------------------------------------


def test_a_factory_double_with_a_seed(
    itemctl_serve: Any, itemctl_double: Double, tmp_path: Path
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"a": {"name": "x", "size": 1}}))
    double = itemctl_serve("--seed", seed)
    assert double.url != itemctl_double.url
    assert double.items() == {"a": {"name": "x", "size": 1}}
    assert put(double.url, "a", {"name": "y", "size": 2}) == (200, {"name": "y", "size": 2})
    assert put(double.url, "b", {"name": "z"})[0] == 201
    assert statuses(double.requests()) == [200, 201]
    double.reset()
    assert double.items() == {"a": {"name": "x", "size": 1}}
    # The session's double is another server.
    assert itemctl_double.item("a") is None
    empty = itemctl_serve("--empty")
    assert empty.items() == {}


STARTED: Dict[str, Double] = {}


def test_factory_doubles_run_during_the_test(itemctl_serve: Any) -> None:
    STARTED["double"] = itemctl_serve("--empty")
    assert STARTED["double"].running


def test_factory_doubles_are_stopped_when_the_test_ends() -> None:
    double = STARTED.get("double")
    if double is None:
        pytest.skip("runs after test_factory_doubles_run_during_the_test")
    assert not double.running
    with pytest.raises(urllib.error.URLError):
        DIRECT.open(double.url + "/__itemctl/health", timeout=5)


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "shop", "version": "1"},
    "paths": {
        "/items/{item_id}": {
            "put": {
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                    },
                },
                "responses": {
                    "200": {"description": "replaced"},
                    "201": {"description": "created"},
                },
            }
        },
        "/stores/{store_id}/books/{isbn}": {
            "put": {
                "parameters": [
                    {
                        "name": "store_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "isbn", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Book"}}
                    },
                },
                "responses": {
                    "200": {"description": "replaced"},
                    "201": {"description": "created"},
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Item": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "size": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
                },
            },
            "Book": {
                "type": "object",
                "required": ["title"],
                "properties": {"title": {"type": "string"}},
            },
        }
    },
}


def test_a_factory_double_for_an_openapi_document(itemctl_serve: Any, tmp_path: Path) -> None:
    doc = tmp_path / "openapi.json"
    doc.write_text(json.dumps(OPENAPI))
    double = itemctl_serve("--openapi", str(doc), "--empty")
    books = "/stores/{store_id}/books/{isbn}"
    request = urllib.request.Request(
        double.url + "/stores/s1/books/978-3",
        data=b'{"title": "Dune"}',
        method="PUT",
        headers={"content-type": "application/json"},
    )
    with DIRECT.open(request, timeout=10) as r:
        assert r.status == 201
    assert double.items(resource=books) == {"s1/978-3": {"title": "Dune"}}
    assert double.item("s1/978-3", resource=books) == {"title": "Dune"}
    assert double.item("s1/nope", resource=books) is None
    assert double.items() == {"/items/{item_id}": {}, books: {"s1/978-3": {"title": "Dune"}}}
    with pytest.raises(AdminError, match="no upsert resource"):
        double.item("x", resource="/nope/{id}")
    assert statuses(double.requests(id="s1/978-3")) == [201]


# -- Double directly ---------------------------------------------------------


def test_a_double_no_longer_answers_after_its_with_block() -> None:
    with Double("--empty") as double:
        url = double.url
        assert put(url, "x", {"name": "x"})[0] == 201
        assert double.items() == {"x": {"name": "x", "size": None}}
        assert "running" in repr(double)
    assert not double.running
    if os.name == "posix":
        assert double.returncode == 0  # SIGTERM: a graceful exit
    with pytest.raises(urllib.error.URLError) as info:
        DIRECT.open(url + "/__itemctl/health", timeout=5)
    assert isinstance(info.value.reason, ConnectionRefusedError)
    double.stop()  # again: nothing to do
    with pytest.raises(DoubleError, match="did not answer"):
        double.items()


def test_a_double_that_cannot_start_raises_with_serves_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-seed.json"
    with pytest.raises(StartError) as info:
        Double("--seed", missing)
    assert info.value.returncode == 2
    assert "no-such-seed.json" in info.value.stderr
    assert "no-such-seed.json" in str(info.value)
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": {"name": ')
    with pytest.raises(StartError, match="bad.json"):
        Double("--seed", bad)
    with pytest.raises(StartError, match="--no-such-flag"):
        Double("--no-such-flag")


@pytest.mark.skipif(os.name != "posix", reason="a shebang script stands in for serve")
def test_a_double_that_does_not_listen_in_time_is_killed(tmp_path: Path) -> None:
    # A "server" that never writes its URL file.
    sleeper = tmp_path / "sleeper"
    sleeper.write_text(
        f"#!{sys.executable}\nimport sys, time\n"
        "print('still starting', file=sys.stderr, flush=True)\ntime.sleep(60)\n"
    )
    sleeper.chmod(0o755)
    with pytest.raises(StartError, match="did not listen within 0.5s") as info:
        Double(binary=str(sleeper), timeout=0.5)
    assert info.value.returncode is None
    assert "still starting" in info.value.stderr


def test_own_arguments_replace_the_defaults() -> None:
    with Double("--port", "0", "-q", "--journal", 2) as double:
        for i in range(3):
            put(double.url, str(i), {"name": "n"})
        assert [r["id"] for r in double.requests()] == ["1", "2"]
    with Double("--log-format", "json") as double:  # the access log, not --quiet
        put(double.url, "a", {"name": "n"})
    assert json.loads(double.stderr.splitlines()[-1])["status"] == 201  # flushed at exit
    with pytest.raises(ValueError, match="--url-file"):
        Double("--url-file", "x")


def test_a_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(BinaryNotFoundError, match="not found"):
        Double(binary="/nonexistent/itemctl")


# -- the installed wheel -----------------------------------------------------


def test_the_wheel_put_itemctl_in_the_environments_scripts_dir() -> None:
    scripts = sysconfig.get_path("scripts")
    assert Path(itemctl.find_binary()).parent == Path(scripts)
    # The package is the installed one, not the checkout's python/ folder.
    installed = {Path(sysconfig.get_path("purelib")), Path(sysconfig.get_path("platlib"))}
    assert Path(itemctl.__file__).parent.parent in installed
    out = subprocess.run(
        [sys.executable, "-m", "itemctl", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("itemctl ")
    assert out.stdout.split()[1] == itemctl.__version__


def test_the_plugin_is_registered_and_its_fixtures_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*itemctl_double*", "*reset before each test*", "*itemctl_serve*"])


def test_the_fixtures_in_a_project_of_their_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, urllib.request

        def test_one(itemctl_double, itemctl_serve):
            assert itemctl_double.item("foo") == {"name": "Fighters", "size": 6}
            itemctl_double.put("one", {"name": "1"})
            assert itemctl_serve("--empty").items() == {}

        def test_two(itemctl_double):
            assert itemctl_double.item("one") is None
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
