def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "real_stack: starts its own redis-server and Celery worker against the test database (runs in CI)",
    )
