"""Write schemas/environment.schema.json, the editor schema of generator/input/envschema.py (editors read it)."""

from __future__ import annotations

import sys
from pathlib import Path

from generator.commands import schema_text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schemas" / "environment.schema.json"


def main() -> int:
    SCHEMA_FILE.write_text(schema_text())
    print(SCHEMA_FILE.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
