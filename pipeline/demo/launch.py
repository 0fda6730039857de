"""``python -m pipeline.demo.launch ARGS``: the ``samenspel`` CLI with the demo's commands present.

The demo starts ``samenspel connect`` and ``samenspel webhooks`` as children. This entry point
registers those commands (and ``demo``/``tail``) even while ``pipeline.cli.COMMAND_MODULES`` does
not list them yet, so the demo does not depend on when that list is updated; once it lists them,
this is exactly ``python -m pipeline ARGS``. Errors and exit codes are the CLI's own.
"""

from __future__ import annotations

import sys

from pipeline import cli

NEEDED_MODULES: tuple[str, ...] = ("pipeline.cli.connect_cmd", "pipeline.cli.demo_cmd")


def main() -> int:
    missing = tuple(name for name in NEEDED_MODULES if name not in cli.COMMAND_MODULES)
    cli.COMMAND_MODULES = (*cli.COMMAND_MODULES, *missing)
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
