"""The benchmarks (`make bench`, `make load`): the development defaults, but served as in production
(no debug, cached templates), so that the figures are the ones people would see."""

from .dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
