"""SQL shared by the SQLite and PostgreSQL read stores: one implementation, two dialects."""
