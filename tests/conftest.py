from __future__ import annotations

from pathlib import Path

import celpy
import pytest

from generator.paths import PROJECT_ROOT, ToolData, tool_data

# cel-python raises the recursion limit when its first Environment is made; doing that at import keeps it
# from happening inside a hypothesis test, which reports a changed limit as an error.
celpy.Environment()

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
EXAMPLES = PROJECT_ROOT / "environments"
GOLDEN = PROJECT_ROOT / "tests" / "golden"
RENDERED = PROJECT_ROOT / "rendered"


@pytest.fixture(scope="session")
def tool() -> ToolData:
    return tool_data()


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    """An empty environments directory to write test environment files into."""
    folder = tmp_path / "environments"
    folder.mkdir()
    return folder
