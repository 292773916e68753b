"""Test-run rules for every test of the project (addons' tests/ and tests/).

- A WARNING or ERROR logged while a test runs fails that test: the log is part of the
  result, as in OCA's CI (checklog-odoo).
- A skipped test fails the run: a test skipped for a missing dependency (Chromium, the
  HTTP server...) would otherwise pass in silence.
"""
import logging

import pytest

from odoo.tools import config as odoo_config

# pytest-odoo imports Odoo's test framework before it turns test mode on, and Odoo logs
# an ERROR for that; import it here, in test mode, before pytest-odoo does.
odoo_config["test_enable"] = True
import odoo.tests.common  # noqa: E402,F401  pylint: disable=wrong-import-position

odoo_config["test_enable"] = False


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def _no_warnings_in_log():
    collector = _Collector()
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield
    finally:
        root.removeHandler(collector)
    if collector.records:
        lines = "\n".join(
            f"{r.levelname} {r.name}: {r.getMessage()}" for r in collector.records[:20]
        )
        pytest.fail(f"the test logged {len(collector.records)} warning(s) or error(s):\n{lines}")


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(f"{len(skipped)} test(s) skipped: a skipped test fails the run.", red=True)
