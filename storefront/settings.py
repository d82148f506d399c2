"""Settings: one frozen Struct, read once from ``STALLKIT_*`` variables and passed to ``create_app``.

Nothing reads the environment after start-up, so tests build a ``Settings`` directly and two
apps in one process never share configuration.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import limits
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
    # Stripe. An empty secret key means payments are off (checkout answers 503 payments_unavailable).
    # ``stripe_api_base`` points the SDK at a Stripe-compatible test server (localstripe); when it
    # is a loopback address the demo may confirm payments server-side with a test card.
    stripe_secret_key: Secret = Secret("")
    stripe_publishable_key: str = ""
    stripe_webhook_secret: Secret = Secret("")
    stripe_api_base: str = ""
    # How long checkout holds stock and made-to-order capacity for a payment to arrive, and how
    # many unpaid checkouts one shopper (email or client) may hold at once (storefront.checkout.limits).
    checkout_hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] = 15
    unpaid_checkouts_per_shopper: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 2
    # Seconds between reconciliation passes inside the app (0: only ``stallkit reconcile``).
    reconcile_interval_s: Annotated[int, msgspec.Meta(ge=0, le=24 * 3600)] = 60
    # Housekeeping (``storefront.housekeeping``): idempotency records are purged after this many
    # hours (at least the 24 the middleware replays for, as Stripe keeps keys), open carts after
    # this many days untouched; seconds between passes (0: only ``stallkit housekeeping``).
    idempotency_ttl_hours: Annotated[int, msgspec.Meta(ge=24, le=30 * 24)] = 24
    # A request's claim on its Idempotency-Key lapses this many seconds after it was taken, so a
    # retry can finish the work of a request whose process died. Longer than the slowest request:
    # five Stripe calls (a confirm that refunds a late payment) at up to 25 s each, the adapter's
    # timeouts, is 125 s.
    idempotency_lease_s: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 180
    cart_ttl_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30
    housekeeping_interval_s: Annotated[int, msgspec.Meta(ge=0, le=24 * 3600)] = 300
    # Raw analytics events are pruned after this many days (``analytics.service.prune_events``);
    # reports keep their hourly rollups, and count a window's partial edge hours from raw events.
    analytics_retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 90
    # Every link in a response (component URLs, form actions, images) starts with this, never with
    # the request's Host, which anyone can forge into a publicly cached fragment. Empty: where
    # ``stallkit serve`` listens (``public_base_url``).
    public_url: str = ""
    # Rate limits in ``limits`` notation ("30/minute", "30/minute;500/day"; empty turns one off), per client and
    # per key; each worker counts on its own unless ``rate_limit_storage`` is shared
    # (``storefront.api.ratelimit``). ``trusted_proxies``: comma-separated addresses or networks
    # whose X-Forwarded-For names the client.
    rate_limit_bad_keys: str = "30/minute"
    rate_limit_carts: str = "60/minute"
    rate_limit_carts_per_key: str = "6000/minute"
    rate_limit_checkouts: str = "30/minute"
    rate_limit_checkouts_per_key: str = "3000/minute"
    rate_limit_beacons: str = "240/minute"
    rate_limit_beacons_per_key: str = "30000/minute"
    rate_limit_credit_lookups: str = "30/minute"
    rate_limit_sign_ins: str = "10/minute"
    rate_limit_storage: str = "memory://"
    trusted_proxies: str = ""

    @property
    def public_base_url(self) -> str:
        """The origin (and path prefix) browsers reach this API at, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104 - a listen address
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    @property
    def public_origin(self) -> str:
        """This API's origin as a browser writes it in ``Origin``: scheme, host and a non-default port."""
        parts = urlsplit(self.public_base_url)
        default = {"http": 80, "https": 443}.get(parts.scheme)
        port = f":{parts.port}" if parts.port is not None and parts.port != default else ""
        return f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else ""

    @property
    def serves_securely(self) -> bool:
        """Browsers reach us over HTTPS, or on this machine (where plain HTTP counts as secure): Secure cookies work."""
        parts = urlsplit(self.public_base_url)
        return parts.scheme == "https" or (parts.hostname or "") in {"127.0.0.1", "localhost", "::1"}

    @property
    def payments_enabled(self) -> bool:
        return bool(self.stripe_secret_key)

    @property
    def stripe_is_local(self) -> bool:
        """The Stripe API base is a test server on this machine: no real money can move."""
        host = urlsplit(self.stripe_api_base).hostname or ""
        return host in {"127.0.0.1", "localhost", "::1"}

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
        for name, field in (
            ("host", "STALLKIT_HOST"),
            ("secret", "STALLKIT_SECRET"),
            ("stripe_secret_key", "STALLKIT_STRIPE_SECRET_KEY"),
            ("stripe_publishable_key", "STALLKIT_STRIPE_PUBLISHABLE_KEY"),
            ("stripe_webhook_secret", "STALLKIT_STRIPE_WEBHOOK_SECRET"),
            ("stripe_api_base", "STALLKIT_STRIPE_API_BASE"),
            ("public_url", "STALLKIT_PUBLIC_URL"),
            *((name, f"STALLKIT_{name.upper()}") for name in _RATE_LIMIT_FIELDS),
        ):
            if field in env:
                raw[name] = env[field]
        for name, field in (
            ("port", "STALLKIT_PORT"),
            ("max_body_bytes", "STALLKIT_MAX_BODY_BYTES"),
            ("db_pool_max", "STALLKIT_DB_POOL_MAX"),
            ("checkout_hold_minutes", "STALLKIT_CHECKOUT_HOLD_MINUTES"),
            ("unpaid_checkouts_per_shopper", "STALLKIT_UNPAID_CHECKOUTS_PER_SHOPPER"),
            ("reconcile_interval_s", "STALLKIT_RECONCILE_INTERVAL_S"),
            ("idempotency_ttl_hours", "STALLKIT_IDEMPOTENCY_TTL_HOURS"),
            ("idempotency_lease_s", "STALLKIT_IDEMPOTENCY_LEASE_S"),
            ("cart_ttl_days", "STALLKIT_CART_TTL_DAYS"),
            ("housekeeping_interval_s", "STALLKIT_HOUSEKEEPING_INTERVAL_S"),
            ("analytics_retention_days", "STALLKIT_ANALYTICS_RETENTION_DAYS"),
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
        _check_edge_settings(settings)
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
    for name in Settings.__struct_fields__:
        message = message.replace(f"`$.{name}`", f"STALLKIT_{name.upper()}")
    return message


_RATE_LIMIT_FIELDS = (
    *("rate_limit_bad_keys", "rate_limit_carts", "rate_limit_carts_per_key", "rate_limit_checkouts"),
    *("rate_limit_checkouts_per_key", "rate_limit_beacons", "rate_limit_beacons_per_key"),
    "rate_limit_credit_lookups",
    "rate_limit_sign_ins",
    *("rate_limit_storage", "trusted_proxies"),
)
_PUBLIC_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$(?!\n)")


def _check_edge_settings(settings: Settings) -> None:
    """The public URL, rate limits and proxies, checked at start-up so a typo stops the process."""
    if settings.public_url and not _PUBLIC_URL.match(settings.public_url):
        raise SettingsError(f"STALLKIT_PUBLIC_URL must be http(s)://host[:port][/path], got {settings.public_url!r}")
    for name in _RATE_LIMIT_FIELDS[:-2]:
        value = getattr(settings, name)
        try:
            if value and not all(item.amount > 0 for item in limits.parse_many(value)):
                raise ValueError(value)
        except ValueError:
            raise SettingsError(
                f"STALLKIT_{name.upper()} must read like '30/minute' (or '30/minute;500/day'), or be empty;"
                f" got {value!r}"
            ) from None
    storage = settings.rate_limit_storage
    if storage not in ("", "memory://") and not storage.startswith("async+"):
        raise SettingsError(
            "STALLKIT_RATE_LIMIT_STORAGE must be memory:// or a store every worker shares, e.g. async+redis://host:6379"
        )
    for part in filter(None, (p.strip() for p in settings.trusted_proxies.split(","))):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(f"STALLKIT_TRUSTED_PROXIES: {part!r} is not an address or network") from None
