"""``python -m crawler.cli``: how workers start their crawls."""

import sys

from crawler.cli import main

sys.exit(main())
