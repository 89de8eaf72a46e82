"""Browser tests (a package, so its modules and conftest do not clash with the suite's)."""
