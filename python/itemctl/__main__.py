"""``python -m itemctl ARGS`` runs the installed ``itemctl ARGS``."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import List, Optional

from ._binary import BinaryNotFoundError, find_binary


def main(argv: Optional[List[str]] = None) -> int:
    """Runs ``itemctl`` with ``argv`` (default: this process's arguments);
    on POSIX it replaces this process, elsewhere it returns the exit
    status."""
    args = sys.argv[1:] if argv is None else argv
    try:
        binary = find_binary()
    except BinaryNotFoundError as e:
        print(f"itemctl: {e}", file=sys.stderr)
        return 127
    if os.name == "posix" and argv is None:
        os.execv(binary, [binary, *args])
    return subprocess.call([binary, *args])


if __name__ == "__main__":
    sys.exit(main())
