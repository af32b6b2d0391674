import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20261129)


def pytest_terminal_summary(terminalreporter):
    """The differential tests' table (outcomes, resampled kinks, judges per family)."""
    import sys
    module = sys.modules.get("tests.test_differential")
    if module is not None and module.RESULTS:
        from tests.judge import table
        terminalreporter.write_sep("-", "differential programs")
        terminalreporter.write_line(table(module.RESULTS))


@pytest.fixture(autouse=True)
def fresh_gradient_objects():
    """Each test starts with an empty global cache, so that `grad(f)` in one test never
    returns an object another test compiled (and `.source` is this test's). Sharing is
    tested on purpose in test_speed.py."""
    from s2s_ad.api import clear_cache
    clear_cache()
    yield
