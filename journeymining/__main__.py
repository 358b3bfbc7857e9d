"""``python -m journeymining``: the same command line as ``journeymining`` (see :mod:`journeymining.cli`)."""

import sys

from journeymining.cli import main

sys.exit(main())
