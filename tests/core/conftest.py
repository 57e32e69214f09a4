"""Core tests: the ``worker`` marker selects the tests that start real Celery worker processes."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "worker: starts real Celery worker processes over Redis or the filesystem broker"
    )
