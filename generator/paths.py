"""Where the tool's own data lives: templates/ and schemas/.

In a checkout (and its editable install) they are the top-level folders of the repository, where readers
find them. A wheel carries the same folders inside the package as generator/_data/ (pyproject.toml), so an
installed tool works in any directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import SetupError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
INSTALLED_DATA = PACKAGE_DIR / "_data"


@dataclass(frozen=True)
class ToolData:
    templates: Path
    schemas: Path


def tool_data(root: Path | None = None) -> ToolData:
    """The installed copy when there is one, else the checkout's folders (`root` overrides both)."""
    if root is None:
        root = INSTALLED_DATA if INSTALLED_DATA.is_dir() else PROJECT_ROOT
    data = ToolData(templates=root / "templates", schemas=root / "schemas")
    for folder in (data.templates, data.schemas):
        if not folder.is_dir():
            raise SetupError(f"{folder} is missing: reinstall kuberay-gitops or run it from a checkout")
    return data
