"""Read-side queries (the only place with SQL for reads), one module per read model."""
