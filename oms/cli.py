"""`oms`: the command-line entry point, wrapping Django's management commands.

`oms demo`, `oms token create --channel 1`, `oms serve`, `oms migrate`, `oms createsuperuser`...
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "oms"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
