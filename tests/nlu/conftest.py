"""The held-out evaluation, shared by the shop set's tests and the regional sets' tests."""

import pytest

from tests.nlu import reports


@pytest.fixture(scope="session")
def heldout_reports(trained_model) -> dict[str, dict]:
    return reports.run(trained_model)
