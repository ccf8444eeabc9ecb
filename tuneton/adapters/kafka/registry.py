"""The SchemaRegistry port on a Confluent-API registry (Confluent, Apicurio ``/apis/ccompat/v7``, Karapace).

confluent-kafka's ``SchemaRegistryClient`` is synchronous (``requests``-style HTTP), so each call runs
in a worker thread instead of blocking the event loop. Ids are cached here as well as in the client:
a registered (subject, schema) never changes id, and neither does the schema behind an id.
"""

from __future__ import annotations

import asyncio
import json

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError as ClientError

from tuneton.adapters.kafka.errors import SchemaRegistryError
from tuneton.events.compatibility import IncompatibleSchema
from tuneton.ports import SchemaRegistry

_CONFLICT = 409  # Confluent: "Schema being registered is incompatible with an earlier schema"


class ConfluentSchemaRegistry(SchemaRegistry):
    """Registers Avro schemas at ``url``; the registry's own compatibility rule decides what is accepted."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, max_retries: int = 3) -> None:
        self._url = url
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._client: SchemaRegistryClient | None = None
        self._ids: dict[tuple[str, str], int] = {}
        self._schemas: dict[int, str] = {}

    async def register(self, subject: str, schema_json: str) -> int:
        """Register (idempotent: the same schema under the same subject returns the same id).

        :raises IncompatibleSchema: the registry's compatibility rule refused a new version.
        :raises SchemaRegistryError: the registry failed or the schema is not valid Avro.
        """
        cache_key = (subject, _canonical(schema_json))
        cached = self._ids.get(cache_key)
        if cached is not None:
            return cached
        client = self._connect()
        try:
            schema_id = await asyncio.to_thread(client.register_schema, subject, Schema(schema_json, "AVRO"))
        except ClientError as error:
            if error.http_status_code == _CONFLICT:
                raise IncompatibleSchema(subject, [error.error_message]) from None
            raise SchemaRegistryError(
                f"registering {subject} at {self._url} failed: {error}", status=error.http_status_code
            ) from error
        except Exception as error:  # transport errors are httpx's or httpx2's, whichever is installed
            raise SchemaRegistryError(f"schema registry at {self._url} unreachable: {error!r}") from error
        self._ids[cache_key] = int(schema_id)
        self._schemas.setdefault(int(schema_id), schema_json)
        return int(schema_id)

    async def schema_by_id(self, schema_id: int) -> str:
        """The schema text behind a global id.

        :raises LookupError: no schema has that id (a ``SchemaRegistryError`` too).
        """
        cached = self._schemas.get(schema_id)
        if cached is not None:
            return cached
        client = self._connect()
        try:
            schema = await asyncio.to_thread(client.get_schema, schema_id)
        except ClientError as error:
            if error.http_status_code == 404:
                raise UnknownSchemaIdError(schema_id) from None
            raise SchemaRegistryError(
                f"fetching schema {schema_id} from {self._url} failed: {error}", status=error.http_status_code
            ) from error
        except Exception as error:  # see register
            raise SchemaRegistryError(f"schema registry at {self._url} unreachable: {error!r}") from error
        text = str(schema.schema_str)
        self._schemas[schema_id] = text
        return text

    def close(self) -> None:
        """Close the client's HTTP connection pool (not part of the port: the runtime may call it)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _connect(self) -> SchemaRegistryClient:
        """Built on first use: constructing the client validates the URL but opens no connection."""
        if self._client is None:
            self._client = SchemaRegistryClient(
                {"url": self._url, "timeout": self._timeout_s, "max.retries": self._max_retries}
            )
        return self._client


class UnknownSchemaIdError(SchemaRegistryError, LookupError):
    """The registry has no schema with this id (a LookupError like the embedded registry's)."""

    def __init__(self, schema_id: int) -> None:
        super().__init__(f"schema id {schema_id} not found", status=404)
        self.schema_id = schema_id


def _canonical(schema_json: str) -> str:
    try:
        return json.dumps(json.loads(schema_json), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return schema_json  # let the registry reject it with its own message
