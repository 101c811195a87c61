"""The project's database backend (ENGINE "config.postgres"): Django's PostgreSQL backend, see base.py."""
