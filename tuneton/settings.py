"""The one settings class: environment variables ``TUNETON_*``, then an optional TOML file, then defaults.

With nothing set, every port runs embedded under a per-user data directory. ``runtime=distributed``
switches every port to Kafka + schema registry + PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, field_validator
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

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

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
