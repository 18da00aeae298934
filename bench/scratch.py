"""A scratch copy of DATABASE_URL's database for a benchmark: made on entry, dropped on exit.

The benchmarks use Django's own test-database machinery, so they never touch the data the
product serves and leave nothing behind, even when they fail half-way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import setup_databases, setup_test_environment, teardown_databases


@contextmanager
def scratch_database() -> Iterator[None]:
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
