# Root conftest: makes `unit_tests` and `integration_tests` importable as packages from the repository root.
