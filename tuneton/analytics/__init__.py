"""Analyst tools: decoded topic exports (Parquet, JSON lines) that pandas and DuckDB open directly."""
