"""Monitoring and logging: Prometheus metrics, structured JSON logs."""
