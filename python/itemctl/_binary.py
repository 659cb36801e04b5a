"""Finding the ``itemctl`` executable that the wheel installed."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from typing import List, Optional

__all__ = ["BinaryNotFoundError", "ENV_VAR", "find_binary"]

#: The environment variable that names another ``itemctl`` executable (a
#: development build, say ``target/release/itemctl``).
ENV_VAR = "ITEMCTL_BINARY"

_EXE = "itemctl.exe" if os.name == "nt" else "itemctl"


class BinaryNotFoundError(FileNotFoundError):
    """No ``itemctl`` executable was found; the message says where it looked."""


def _scripts_dirs() -> List[str]:
    """The running interpreter's scripts directories: the environment's
    (a venv's ``bin/`` or ``Scripts\\``), then the user scheme's
    (``pip install --user``), then the interpreter's own directory."""
    dirs: List[str] = []
    try:
        dirs.append(sysconfig.get_path("scripts"))
    except KeyError:  # pragma: no cover - an exotic install scheme
        pass
    schemes: List[str] = []
    preferred = getattr(sysconfig, "get_preferred_scheme", None)  # Python 3.10+
    if preferred is not None:
        try:
            schemes.append(preferred("user"))
        except KeyError:  # pragma: no cover
            pass
    schemes.append(f"{os.name}_user")
    for scheme in schemes:
        try:
            dirs.append(sysconfig.get_path("scripts", scheme))
        except KeyError:
            continue
    dirs.append(os.path.dirname(os.path.abspath(sys.executable)))
    seen: List[str] = []
    for d in dirs:
        if d and d not in seen:
            seen.append(d)
    return seen


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_binary(binary: Optional[str] = None) -> str:
    """The path of the ``itemctl`` executable to run.

    In this order: ``binary`` when given (a path, or a name looked up on
    ``PATH``); the ``ITEMCTL_BINARY`` environment variable; the one the
    ``itemctl`` wheel installed into the running interpreter's scripts
    directory (a venv's ``bin/``); ``itemctl`` on ``PATH``.

    Raises:
        BinaryNotFoundError: none of these names an executable file.
    """
    if binary is None:
        override = os.environ.get(ENV_VAR)
        if override:
            binary = override
    if binary is not None:
        if _is_executable(binary):
            return os.path.abspath(binary)
        found = shutil.which(binary)
        if found is not None:
            return found
        raise BinaryNotFoundError(
            f"itemctl binary {binary!r} not found or not executable"
            + (f" (from ${ENV_VAR})" if binary == os.environ.get(ENV_VAR) else "")
        )
    looked = _scripts_dirs()
    for directory in looked:
        candidate = os.path.join(directory, _EXE)
        if _is_executable(candidate):
            return candidate
    found = shutil.which("itemctl")
    if found is not None:
        return found
    raise BinaryNotFoundError(
        "the itemctl binary was not found: looked in "
        + ", ".join(looked)
        + " and on PATH. Install the wheel (pip install itemctl), put itemctl on "
        f"PATH (cargo install --locked itemctl), or set ${ENV_VAR} to its path."
    )
