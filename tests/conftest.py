"""Root conftest: only registers the per-package fixture modules (STYLE habit 14)."""

pytest_plugins = ["tests.fixtures.stack", "tests.fixtures.catalog_servers", "tests.fixtures.gateway"]
