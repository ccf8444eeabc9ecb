"""The BlobStore contract against a real S3-compatible server (versitygw from infra/s3/start.sh)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.contract.blob_store_contract import BlobStoreContract
from tests.fixtures.catalog_servers import S3Endpoint
from tuneton.adapters.s3.blobstore import S3BlobStore
from tuneton.ports import BlobStore

pytestmark = pytest.mark.s3


@pytest.fixture(scope="module")
def bucket() -> str:
    """A bucket per test module; every test also uses its own key prefix."""
    return f"tuneton-test-{uuid.uuid4().hex[:12]}"


class TestS3BlobStore(BlobStoreContract):
    @pytest.fixture
    async def store(self, s3_endpoint: S3Endpoint, bucket: str) -> AsyncIterator[BlobStore]:
        blobs = S3BlobStore(
            endpoint=s3_endpoint.endpoint,
            access_key=s3_endpoint.access_key,
            secret_key=s3_endpoint.secret_key,
            bucket=bucket,
        )
        await blobs.start()
        await blobs.start()  # idempotent: the bucket exists now
        yield blobs
        await blobs.close()


async def test_wrong_credentials_are_an_error_not_a_missing_blob(s3_endpoint: S3Endpoint) -> None:
    from tuneton.catalog_values import BlobError

    store = S3BlobStore(endpoint=s3_endpoint.endpoint, access_key="nobody", secret_key="wrong-secret", bucket="x-y-z")
    with pytest.raises(BlobError):
        await store.start()
