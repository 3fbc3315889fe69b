"""Storage: engine set-up, SQLModel tables, repositories and Alembic migrations."""
