"""`python -m taskcluster`: the command line (see `taskcluster.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
