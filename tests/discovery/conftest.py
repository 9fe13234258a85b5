import pytest

from sciml.data import make


@pytest.fixture(scope="session")
def lorenz():
    return make("lorenz")


@pytest.fixture(scope="session")
def burgers():
    return make("burgers")
