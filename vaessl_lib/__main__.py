import sys

try:
    from .cli import main
except KeyboardInterrupt:              # Ctrl-C while the command loads: one line, no traceback
    sys.stderr.write("error: interrupted\n")
    sys.exit(130)

sys.exit(main())
