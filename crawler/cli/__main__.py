"""``python -m crawler.cli``: how workers start their crawls."""

import sys

from crawler.cli.main import main

sys.exit(main())
