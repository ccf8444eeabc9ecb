"""S3-compatible object storage adapters (MinIO, versitygw, AWS S3) through the ``minio`` client."""
