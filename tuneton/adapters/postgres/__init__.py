"""PostgreSQL adapters for the distributed runtime (psycopg 3)."""
