"""Settings: one frozen Struct, read once from ``STALLKIT_*`` variables and passed to ``create_app``.

Nothing reads the environment after start-up, so tests build a ``Settings`` directly and two
apps in one process never share configuration.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import msgspec


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line, fit for a terminal."""


class Secret(str):
    """A string that never shows its value when printed or logged."""

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __format__(self, spec: str) -> str:
        return format("**********", spec)

    def reveal(self) -> str:
        return str.__str__(self)


Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    data_dir: str = "var"
    host: str = "127.0.0.1"
    port: Port = 8000
    secret: Secret = Secret("")
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    debug: bool = False
    db_pool_max: Annotated[int, msgspec.Meta(ge=1, le=200)] = 10

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``STALLKIT_*`` variables; raise :class:`SettingsError` with one clear line."""
        env = os.environ if environ is None else environ
        data_dir = env.get("STALLKIT_DATA_DIR", "var")
        raw: dict[str, object] = {
            "data_dir": data_dir,
            "database_url": env.get("STALLKIT_DATABASE_URL") or f"sqlite://{Path(data_dir) / 'stallkit.sqlite3'}",
        }
        for name, field in (("host", "STALLKIT_HOST"), ("secret", "STALLKIT_SECRET")):
            if field in env:
                raw[name] = env[field]
        for name, field in (
            ("port", "STALLKIT_PORT"),
            ("max_body_bytes", "STALLKIT_MAX_BODY_BYTES"),
            ("db_pool_max", "STALLKIT_DB_POOL_MAX"),
        ):
            if field in env:
                try:
                    raw[name] = int(env[field])
                except ValueError:
                    raise SettingsError(f"{field} must be an integer, got {env[field]!r}") from None
        if "STALLKIT_DEBUG" in env:
            raw["debug"] = env["STALLKIT_DEBUG"].lower() in {"1", "true", "yes", "on"}
        try:
            settings = msgspec.convert(raw, cls, dec_hook=_decode_secret)
        except msgspec.ValidationError as exc:
            raise SettingsError(f"invalid setting: {_env_name(str(exc))}") from None
        if not settings.database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
            raise SettingsError("STALLKIT_DATABASE_URL must start with sqlite://, postgres:// or postgresql://")
        if settings.secret and len(settings.secret) < 32:
            raise SettingsError("STALLKIT_SECRET must be at least 32 characters")
        return settings

    def with_secret(self) -> Settings:
        """These settings with a signing secret: the configured one, else one kept in the data dir.

        A generated secret is written once (mode 0600) so restarts keep signed packs valid.
        """
        if self.secret:
            return self
        path = Path(self.data_dir) / "secret"
        if path.exists():
            value = path.read_text().strip()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            value = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(value)
        return msgspec.structs.replace(self, secret=Secret(value))


def _decode_secret(kind: type, value: object) -> object:
    if kind is Secret and isinstance(value, str):
        return Secret(value)
    raise NotImplementedError


def _env_name(message: str) -> str:
    """Translate msgspec's ``at `$.port``` into the environment variable a user would set."""
    for name in ("database_url", "data_dir", "host", "port", "secret", "max_body_bytes", "debug", "db_pool_max"):
        message = message.replace(f"`$.{name}`", f"STALLKIT_{name.upper()}")
    return message
