"""`python -m sandbox <catalog> [options]`: run one catalog look-alike until interrupted.

Each catalog package has a `cli.main(argv) -> int`; the sandboxes never import Plumbline.
"""

from __future__ import annotations

import importlib
import sys

from sandbox import serve_side_by_side

CATALOGS = ("atlan", "alation")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in CATALOGS:
        print(f"usage: python -m sandbox {{{','.join(CATALOGS)}}} [--help | options]", file=sys.stderr)
        return 2
    try:
        cli = importlib.import_module(f"sandbox.{argv[0]}.cli")
    except ModuleNotFoundError:
        print(f"The {argv[0]} sandbox is not built yet.", file=sys.stderr)
        return 2
    serve_side_by_side()
    return int(cli.main(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
