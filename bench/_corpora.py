"""Where the shared corpora are (``../shared/corpora`` beside the checkout, or $CORPORA)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpora() -> Path:
    path = Path(os.environ.get("CORPORA", ROOT.parent / "shared" / "corpora"))
    if not path.is_dir():
        sys.exit(f"corpora not found at {path}: set CORPORA to the shared/corpora folder")
    return path
