"""`oms`: the command-line entry point, wrapping Django's management commands.

`oms demo`, `oms token create --channel 1`, `oms serve`, `oms migrate`, `oms createsuperuser`...
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    from django.core.management import execute_from_command_line

    from oms.core.envvars import BadEnvironmentValue

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "oms"
    try:
        execute_from_command_line(argv)
    except BadEnvironmentValue as bad:
        # A setting the operator got wrong: the line that says which, not a traceback to read.
        print(f"oms: {bad}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
