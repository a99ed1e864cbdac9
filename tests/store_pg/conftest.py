"""PostgreSQL tests: one throwaway cluster for the whole session (a real server, never a mock); each test makes its
own database in it (`pg_cluster`, `pg_url` in tests/conftest.py, shared with tests/ingest). Skipped when PostgreSQL
is not installed (.ci/run installs it)."""
