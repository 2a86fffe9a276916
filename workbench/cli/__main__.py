"""``python -m workbench.cli``: the ``workbench`` command (how a sweep starts its trials)."""

import sys

from . import main

sys.exit(main())
