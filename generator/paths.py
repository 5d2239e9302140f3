"""Where the tool's own data lives: templates/ and schemas/ at the top of the repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import SetupError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ToolData:
    templates: Path
    schemas: Path


def tool_data(root: Path = PROJECT_ROOT) -> ToolData:
    data = ToolData(templates=root / "templates", schemas=root / "schemas")
    for folder in (data.templates, data.schemas):
        if not folder.is_dir():
            raise SetupError(f"{folder} is missing: run the tool from a checkout of the repository")
    return data
