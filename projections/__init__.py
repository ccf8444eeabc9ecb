"""Read-model projections: pure functions from (event, metadata) to row operations, plus their DDL."""
