"""Elasticsearch 8.x adapters (the distributed runtime's search read model)."""
