"""``python -m benchmarks.api``: see :mod:`benchmarks.api`."""

from __future__ import annotations

import sys

from benchmarks.api.main import main

sys.exit(main())
