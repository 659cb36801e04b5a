"""pytest fixtures for ``itemctl serve --admin`` (registered through the
``pytest11`` entry point: installing the ``itemctl`` wheel is enough).

- ``itemctl_double``: one server for the whole session, reset before each
  test (store back to its seed, journal emptied, faults cleared).
- ``itemctl_serve``: a factory, ``itemctl_serve("--seed", path)``, for a
  server of the test's own; every one it started is stopped when the
  test ends.

Example::

    import json, urllib.request

    def test_creates(itemctl_double):
        req = urllib.request.Request(
            itemctl_double.url + "/items/42", method="PUT",
            data=json.dumps({"name": "Chillies", "size": 3}).encode(),
            headers={"content-type": "application/json"})
        assert urllib.request.urlopen(req).status == 201
        assert itemctl_double.item("42") == {"name": "Chillies", "size": 3}

``--itemctl-binary PATH`` (or ``$ITEMCTL_BINARY``) runs another
``itemctl`` than the wheel's; overriding the ``itemctl_double_args``
fixture in a ``conftest.py`` starts the session's server with other
arguments (``("--openapi", "openapi.json")``).
"""

from __future__ import annotations

from typing import Iterator, List, Optional, Protocol, Sequence

import pytest

from .testing import Double, ServeArg

__all__ = ["ServeFactory"]


class ServeFactory(Protocol):
    """The type of the ``itemctl_serve`` fixture."""

    def __call__(
        self, *serve_args: ServeArg, binary: Optional[str] = None, timeout: float = 10.0
    ) -> Double:
        """Starts a :class:`~itemctl.testing.Double` with these ``itemctl
        serve`` arguments; it is stopped when the test ends."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("itemctl", "itemctl test doubles")
    group.addoption(
        "--itemctl-binary",
        metavar="PATH",
        default=None,
        help="the itemctl executable the fixtures run "
        "(default: $ITEMCTL_BINARY, else the one the itemctl wheel installed)",
    )


def _binary(config: pytest.Config) -> Optional[str]:
    value: Optional[str] = config.getoption("--itemctl-binary")
    return value


@pytest.fixture(scope="session")
def itemctl_double_args() -> Sequence[ServeArg]:
    """Extra ``itemctl serve`` arguments for the session's
    ``itemctl_double`` (none: the tutorial's app seeded with foo and bar).
    Override it in a conftest.py, e.g. to return
    ``("--openapi", "openapi.json", "--empty")``."""
    return ()


@pytest.fixture(scope="session")
def _itemctl_session_double(
    request: pytest.FixtureRequest, itemctl_double_args: Sequence[ServeArg]
) -> Iterator[Double]:
    """The session's server behind ``itemctl_double``, not reset."""
    with Double(*itemctl_double_args, binary=_binary(request.config)) as double:
        yield double


@pytest.fixture
def itemctl_double(_itemctl_session_double: Double) -> Double:
    """An ``itemctl serve --admin`` test double shared by the session and
    reset before each test: the store back to its seed, the journal
    emptied, the faults cleared. ``.url`` is its base URL; ``.items()``,
    ``.item(id)``, ``.requests()``, ``.set_faults(...)`` and the rest of
    :class:`itemctl.testing.Double` inspect and steer it."""
    _itemctl_session_double.reset()
    return _itemctl_session_double


@pytest.fixture
def itemctl_serve(request: pytest.FixtureRequest) -> Iterator[ServeFactory]:
    """A factory of ``itemctl serve --admin`` doubles of the test's own:
    ``itemctl_serve("--seed", path)``, ``itemctl_serve("--openapi", doc)``
    (any ``itemctl serve`` arguments) returns a started
    :class:`itemctl.testing.Double`; each is stopped when the test ends."""
    started: List[Double] = []
    default_binary = _binary(request.config)

    def serve(*serve_args: ServeArg, binary: Optional[str] = None, timeout: float = 10.0) -> Double:
        double = Double(
            *serve_args,
            binary=binary if binary is not None else default_binary,
            timeout=timeout,
        )
        started.append(double)
        return double

    yield serve
    for double in reversed(started):
        double.stop()
