"""Settings from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///warmintro.db"


class Settings(BaseSettings):
    """Every setting WarmIntro reads. `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    platform: Literal["auto", "console", "slack", "discord", "all"] = Field(
        default="auto", validation_alias="WARMINTRO_PLATFORM"
    )
    log_level: str = Field(default="INFO", validation_alias="WARMINTRO_LOG_LEVEL")
    tick_seconds: int = Field(default=30, ge=1, validation_alias="WARMINTRO_TICK_SECONDS")
    default_timezone: str = Field(default="UTC", validation_alias="WARMINTRO_DEFAULT_TIMEZONE")
    console_workspace: str | None = Field(
        default=None, validation_alias="WARMINTRO_CONSOLE_WORKSPACE"
    )
    encryption_key: str | None = Field(default=None, validation_alias="WARMINTRO_ENCRYPTION_KEY")
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, validation_alias="WARMINTRO_METRICS_PORT"
    )
    metrics_host: str = Field(default="127.0.0.1", validation_alias="WARMINTRO_METRICS_HOST")
    # The web dashboard (and /metrics): where it listens, and the address its links use.
    web_port: int = Field(default=8080, ge=0, le=65535, validation_alias="WARMINTRO_WEB_PORT")
    web_host: str = Field(default="127.0.0.1", validation_alias="WARMINTRO_WEB_HOST")
    public_url: str | None = Field(default=None, validation_alias="WARMINTRO_PUBLIC_URL")
    # Signs sign-in links and session cookies; unset: one is generated and kept in the database.
    secret_key: str | None = Field(default=None, validation_alias="WARMINTRO_SECRET_KEY")

    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")

    discord_token: str | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    discord_api_url: str | None = Field(default=None, validation_alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(default=None, validation_alias="DISCORD_GATEWAY_URL")
    discord_guild_ids: str | None = Field(default=None, validation_alias="DISCORD_GUILD_IDS")
    discord_sharded: bool = Field(default=False, validation_alias="DISCORD_SHARDED")
    discord_shard_count: int | None = Field(
        default=None, ge=1, validation_alias="DISCORD_SHARD_COUNT"
    )
    discord_members_intent: bool = Field(default=False, validation_alias="DISCORD_MEMBERS_INTENT")
    discord_member_role: str | None = Field(default=None, validation_alias="DISCORD_MEMBER_ROLE")

    def web_address(self) -> str:
        """The dashboard's address as links show it (no trailing slash)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.web_host in {"127.0.0.1", "0.0.0.0", "::"} else self.web_host
        return f"http://{host}:{self.web_port}"

    def resolved_platform(self) -> str:
        """The platform to run when `platform` is `auto`: whichever has tokens, else console."""
        if self.platform != "auto":
            return self.platform
        slack = bool(self.slack_bot_token or self.slack_client_id)
        discord = bool(self.discord_token)
        if slack and discord:
            return "all"
        if slack:
            return "slack"
        if discord:
            return "discord"
        return "console"
