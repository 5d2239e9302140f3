from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import celpy
import pytest

from generator import pipeline
from generator.paths import PROJECT_ROOT, ToolData, tool_data

# cel-python raises the recursion limit when its first Environment is made; doing that at import keeps it
# from happening inside a hypothesis test, which reports a changed limit as an error.
celpy.Environment()

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
EXAMPLES = PROJECT_ROOT / "environments"
GOLDEN = PROJECT_ROOT / "tests" / "golden"
RENDERED = PROJECT_ROOT / "rendered"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's cache folder (generator/cache.py) of the test session: results cached by an earlier run, or
    by another checkout, never answer for the code under test, and tests write nothing into the user's."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))  # and every process the tests start
        yield folder


@pytest.fixture(autouse=True)
def no_kept_outcomes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds in the test process work out every environment, unless the test is marked outcome_cache: a test
    that builds twice (one process against two, say) must compare two workings, not one and its copy; and a test
    that patches the code must not meet outcomes kept under the same stamp. tests/test_outcome_cache.py proves
    that kept outcomes are the outcomes."""
    if request.node.get_closest_marker("outcome_cache") is None:
        monkeypatch.setattr(pipeline, "outcome_cache", lambda _environ: None)


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """What a command run in the test process left frozen (BuildRequest.restore_collector: the command line's
    process ends with the run, the test process does not) is thawed and collected after the test: frozen, every
    command's templates and models would stay for the rest of the session."""
    yield
    if gc.get_freeze_count() > 0:
        gc.unfreeze()
        gc.collect()


@pytest.fixture(scope="session")
def tool() -> ToolData:
    return tool_data()


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    """An empty environments directory to write test environment files into."""
    folder = tmp_path / "environments"
    folder.mkdir()
    return folder
