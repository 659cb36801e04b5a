"""itemctl: serve, drive and verify FastAPI-style upsert endpoints.

The ``itemctl`` wheel installs the ``itemctl`` command-line tool (a Rust
binary) and this small package beside it:

- :mod:`itemctl.testing`: :class:`~itemctl.testing.Double`, an
  ``itemctl serve --admin`` test double driven from Python;
- :mod:`itemctl.pytest_plugin`: the ``itemctl_double`` and
  ``itemctl_serve`` pytest fixtures (loaded by pytest automatically);
- :func:`find_binary`: the path of the installed ``itemctl``;
- ``python -m itemctl ARGS``: runs ``itemctl ARGS``.
"""

from __future__ import annotations

from ._binary import BinaryNotFoundError, find_binary

__all__ = ["BinaryNotFoundError", "__version__", "find_binary"]


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python 3.7
        return "unknown"
    try:
        return version("itemctl")
    except PackageNotFoundError:
        return "unknown"


#: The installed distribution's version (the crate's).
__version__: str = _version()
