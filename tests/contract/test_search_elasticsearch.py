"""The SearchIndex contract on a real Elasticsearch 8.19 (infra/elasticsearch/start.sh), index per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.contract.search_index_contract import SearchIndexContract
from tuneton.adapters.elasticsearch.search import ElasticsearchSearchIndex
from tuneton.ports import SearchIndex

pytestmark = pytest.mark.elasticsearch


class TestElasticsearchSearchIndex(SearchIndexContract):
    @pytest.fixture
    async def index(self, elasticsearch_url: str) -> AsyncIterator[SearchIndex]:
        name = f"tuneton-test-{uuid.uuid4().hex[:12]}"
        search = ElasticsearchSearchIndex(elasticsearch_url, index=name)
        await search.start()
        await search.start()  # idempotent
        yield search
        await search._es.indices.delete(index=name)
        await search.close()


async def test_an_index_built_by_other_analysis_rules_is_refused_unless_rebuilding(elasticsearch_url: str) -> None:
    from tuneton.adapters.elasticsearch.search import SearchIndexError, mapping

    name = f"tuneton-test-{uuid.uuid4().hex[:12]}"
    stale = mapping()
    stale["mappings"]["_meta"] = {"analysis_version": 0}
    search = ElasticsearchSearchIndex(elasticsearch_url, index=name)
    await search.start()
    await search.reset()
    es = search._es
    await es.indices.delete(index=name)
    await es.indices.create(index=name, settings=stale["settings"], mappings=stale["mappings"])
    try:
        with pytest.raises(SearchIndexError, match="analysis version"):
            await ElasticsearchSearchIndex(elasticsearch_url, index=name).start()
        rebuilt = ElasticsearchSearchIndex(elasticsearch_url, index=name)
        await rebuilt.start(rebuilding=True)  # what `tuneton projections rebuild search` does first
        await rebuilt.close()
        await ElasticsearchSearchIndex(elasticsearch_url, index=name).start()  # now of this code's rules
    finally:
        await es.indices.delete(index=name)
        await search.close()
