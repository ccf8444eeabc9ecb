"""The one settings class: environment variables ``TUNETON_*``, then an optional TOML file, then defaults.

With nothing set, every port runs embedded under a per-user data directory. ``runtime=distributed``
switches every port to Kafka + schema registry + PostgreSQL, blobs to S3 and search to Elasticsearch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
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
    decider_batches_in_flight: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Faust decider batches awaiting the broker while the next is decided (docs/kafka.md)",
    )
    worker_role: str = Field(
        default="all",
        description="agents of this Faust worker: all, decider, render, search or a projection (own consumer group)",
    )
    worker_instance_id: str = Field(
        default="",
        description="Faust worker: its static consumer-group membership id (Kafka group.instance.id), unique per "
        "worker of a role; empty: dynamic membership",
    )
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9464, ge=1, le=65535, description="Faust worker /metrics port")
    command_timeout_s: float = Field(default=10.0, gt=0)
    consistency_wait_s: float = Field(default=3.0, ge=0)
    embedded_synchronous: Literal["OFF", "NORMAL", "FULL"] = "NORMAL"
    embedded_processors: Literal["in-process", "worker"] = Field(
        default="worker",
        description="embedded runtime: processors as tasks of `tuneton serve`, or in a worker process beside it",
    )
    embedded_hand_off: bool = Field(
        default=True,
        description="embedded worker: hand commands to it over its link (it appends them) instead of appending here",
    )
    log_level: str = "INFO"
    log_json: bool = True
    gc_young_threshold: int = Field(
        default=50_000, ge=0, description="allocations between young-generation GC runs (0: Python's default 700)"
    )
    worker_fetch_max_wait_ms: int = Field(
        default=20,
        ge=1,
        le=60_000,
        description="longest the broker holds a fetch of the Faust worker's that leaves a partition out "
        "(processors/faust_transport.py)",
    )
    worker_idle_fetch_max_wait_ms: int = Field(
        default=500,
        ge=1,
        le=60_000,
        description="longest the broker holds a fetch of the Faust worker's that names every partition it "
        "leads for the worker (any record ends it at once; processors/faust_transport.py)",
    )
    worker_batch_window_ms: int = Field(
        default=10,
        ge=1,
        le=1_000,
        description="how long after its last batch the Faust worker's decider and each projector gather what "
        "arrives into the next (longer: fewer, larger batches and less CPU per command; each hop waits up to "
        "this long; a record after a quiet spell goes at once: processors/faust_batches.py)",
    )
    track_access_cache_rows: int = Field(
        default=4_096,
        ge=0,
        description="tracks rows the API remembers for its visibility check while PostgreSQL's LISTEN vouches "
        "for them (0: none; commands/track_access.py)",
    )
    command_fast_path: bool = Field(
        default=True,
        description="answer well-formed command requests without FastAPI's per-request machinery "
        "(commands/fast_path.py; false: every request through FastAPI)",
    )
    worker_event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop", description="the event loop of the worker processes (serve's is uvicorn's choice: uvloop)"
    )

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

    # --- auth (issue 9, docs/auth.md) ----------------------------------------------------------
    dev_mode: bool | None = Field(
        default=None,
        description="trust X-Tuneton-User and allow dev-login (default: on when embedded; refused when distributed)",
    )
    bot_token: SecretStr | None = Field(default=None, description="the Telegram bot token (or bot_token_file)")
    bot_token_file: Path | None = Field(default=None, description="file holding the bot token")
    bot_id: int | None = Field(default=None, ge=1, description="bot id for the token-less Ed25519 initData check")
    telegram_public_key: str = Field(
        default="e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d",
        pattern="^[0-9a-f]{64}$",
        description="Telegram's Ed25519 key for third-party initData signatures (production key by default)",
    )
    init_data_max_age_s: int = Field(default=86_400, ge=0, description="oldest initData auth_date accepted (0: any)")
    login_widget_max_age_s: int = Field(default=86_400, ge=0, description="oldest Login Widget auth_date accepted")
    auth_signing_keys: dict[str, SecretStr] = Field(
        default_factory=dict, description="access-token signing keys, key id -> secret (32+ bytes each)"
    )
    auth_signing_keys_file: Path | None = Field(default=None, description="JSON file {key id: secret}")
    auth_active_key_id: str | None = Field(default=None, description="key id new tokens are signed with")
    access_token_ttl_s: int = Field(default=900, ge=30, le=86_400, description="access token lifetime")
    refresh_token_ttl_s: int = Field(default=30 * 86_400, ge=60, description="refresh token lifetime")

    @property
    def dev(self) -> bool:
        """Whether dev mode is on: as set, else on for the embedded runtime only."""
        return self.runtime == "embedded" if self.dev_mode is None else self.dev_mode

    @model_validator(mode="after")
    def _no_dev_mode_in_production(self) -> Settings:
        if self.dev_mode and self.runtime == "distributed":
            raise ValueError("dev_mode trusts an unsigned user header: it is refused on the distributed runtime")
        return self

    # --- mini app (issue 11) ------------------------------------------------------------------
    miniapp_dir: Path | None = Field(default=None, description="built Mini App served at / (<repo>/miniapp/dist)")
    telegram_bot_username: str = Field(default="", max_length=64, description="bot of the share links (t.me/<bot>)")
    telegram_miniapp_name: str = Field(default="", max_length=64, description="Mini App short name (t.me/<bot>/<app>)")

    # --- media URLs, offload and the gateway (issues 9 and 10) ------------------------------------
    media_url_keys_file: Path | None = Field(
        default=None, description="signing keys of media URLs, kid=base64secret lines (<data_dir>/media-url-keys)"
    )
    media_url_ttl_s: int = Field(default=3600, ge=60, le=7 * 86400, description="lifetime of a signed media URL")
    media_url_granularity_s: int = Field(
        default=900, ge=1, le=86400, description="expiries are rounded up to this, so URLs stay stable (cacheable)"
    )
    media_require_signature: bool = Field(
        default=False, description="refuse media requests without a signed URL (403), even with an identity header"
    )
    media_offload: Literal["none", "x-accel", "presigned"] = Field(
        default="none",
        description="who sends media bytes: Python, nginx (X-Accel-Redirect, files on disk) or S3 (redirect)",
    )
    media_accel_prefix: str = Field(
        default="/_tuneton_blobs/", pattern=r"^/[A-Za-z0-9_/-]*/$", description="gateway's internal blob location"
    )
    max_streams_per_user: int = Field(
        default=4, ge=0, le=1000, description="concurrent streams (tracks or renders playing) per user; 0: unlimited"
    )
    stream_linger_s: float = Field(
        default=10.0, ge=0, le=3600, description="a stream stays counted this long after its last body ended"
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1"],
        description="addresses (or CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed: the gateway",
    )

    @property
    def media_keys_path(self) -> Path:
        """Where the media URL signing keys are read from (created there only when not configured)."""
        return self.media_url_keys_file or self.data_dir / "media-url-keys"

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

    @property
    def miniapp_root(self) -> Path:
        """The built Mini App (``scripts/build-miniapp.sh`` writes it next to the package in a checkout)."""
        return self.miniapp_dir or Path(__file__).resolve().parents[1] / "miniapp" / "dist"

    @field_validator(
        "data_dir",
        "upload_tmp_dir",
        "blob_dir",
        "search_db",
        "render_work_dir",
        "bot_token_file",
        "auth_signing_keys_file",
        "miniapp_dir",
        "media_url_keys_file",
    )
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
