"""The one settings class: environment variables ``TUNETON_*``, then an optional TOML file, then defaults.

With nothing set, every port runs embedded under a per-user data directory. ``runtime=distributed``
switches every port to Kafka + schema registry + PostgreSQL, blobs to S3 and search to Elasticsearch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _config_file() -> Path:
    return Path(os.environ.get("TUNETON_CONFIG", platformdirs.user_config_path("tuneton") / "tuneton.toml"))


class Settings(BaseSettings):
    """Every knob tuneTON has; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="TUNETON_", extra="forbid")

    runtime: Literal["embedded", "distributed"] = "embedded"
    data_dir: Path = Field(default_factory=lambda: platformdirs.user_data_path("tuneton"))
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)

    kafka_bootstrap: str = "127.0.0.1:9092"
    schema_registry_url: str = "http://127.0.0.1:8085/apis/ccompat/v7"
    postgres_dsn: str = "postgresql://postgres@127.0.0.1:55432/tuneton"

    faust_commit_interval_s: float = Field(
        default=1.0, gt=0, description="how often the Faust worker commits consumer offsets (redelivery window)"
    )
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9464, ge=1, le=65535, description="Faust worker /metrics port")
    command_timeout_s: float = Field(default=10.0, gt=0)
    consistency_wait_s: float = Field(default=3.0, ge=0)
    dev_auth: bool = Field(default=True, description="trust the X-Tuneton-User header (until Telegram auth)")
    embedded_synchronous: Literal["OFF", "NORMAL", "FULL"] = "NORMAL"
    log_level: str = "INFO"
    log_json: bool = True

    # --- catalog (issue 3) -------------------------------------------------------------------
    upload_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0, description="largest accepted upload (413 above)")
    upload_tmp_dir: Path | None = Field(default=None, description="where uploads are spooled (<data_dir>/tmp)")
    json_body_max_bytes: int = Field(
        default=256 * 1024, gt=0, description="largest request body of any route but the uploads (413 above)"
    )
    header_max_bytes: int = Field(
        default=32 * 1024, gt=0, description="largest total size of a request's headers (431 above)"
    )
    admin_ids: list[str] = Field(default_factory=list, description="user ids that may change anybody's tracks")
    blob_dir: Path | None = Field(default=None, description="embedded blob store root (<data_dir>/blobs)")
    s3_endpoint: str = Field(default="127.0.0.1:9000", description="distributed blob store: S3 host:port")
    s3_access_key: str = "tuneton"
    s3_secret_key: SecretStr = SecretStr("tuneton-secret")
    s3_bucket: str = "tuneton"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    search_db: Path | None = Field(default=None, description="embedded search index file (<data_dir>/search.db)")
    elasticsearch_url: str = "http://127.0.0.1:9200"
    elasticsearch_index: str = "tuneton-tracks"

    # --- renders (issue 4) --------------------------------------------------------------------
    render_engine: Literal["rubberband-r3", "signalsmith-stretch"] = Field(
        default="rubberband-r3", description="DSP engine for renders (part of every asset key)"
    )
    render_workers: int = Field(default=2, ge=1, le=64, description="render processes (CPU cores for DSP)")
    render_concurrency: int = Field(default=2, ge=1, le=64, description="renders in flight per processor")
    render_work_dir: Path | None = Field(default=None, description="local scratch for renders (<data_dir>/render)")

    @property
    def render_dir(self) -> Path:
        """Scratch space of the render processor (sources and encoder output before upload)."""
        return self.render_work_dir or self.data_dir / "render"

    @property
    def upload_dir(self) -> Path:
        """Where uploads are spooled while they are checked (same disk as the blobs when embedded)."""
        return self.upload_tmp_dir or self.data_dir / "tmp"

    @property
    def blob_root(self) -> Path:
        """The embedded blob store's root directory."""
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def search_path(self) -> Path:
        """The embedded search index's SQLite file."""
        return self.search_db or self.data_dir / "search.db"

    @field_validator("data_dir", "upload_tmp_dir", "blob_dir", "search_db", "render_work_dir")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Precedence: constructor args, environment, then the TOML config file."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_config_file()))
