"""The components' own read caches, typed, one set per app (never module globals).

Rendered fragments and what the shared loaders (:mod:`components.loaders`) read are kept per
brand and catalogue version, exactly like the storefront's product and quote caches, so a
catalogue or stock write anywhere invalidates them on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from storefront.cache import VersionedCache
from storefront.fulfilment.schemas import PersonalisationOptionOut
from storefront.money import Money


class Rendered(msgspec.Struct, frozen=True):
    """A component's answer as sent: its bytes, media type and the ETag that revalidates it."""

    etag: str
    body: bytes
    media_type: str


class FulfilmentConfig(msgspec.Struct, frozen=True, kw_only=True):
    """What the brand has set up, whatever the variant."""

    pickup_points: dict[str, str]  # enabled pickup shops: handle -> name
    courier_rates: list[Money]  # the rate in force of every zone that has one
    microfactories: list[str]  # names


@dataclass
class ComponentCaches:
    fragments: VersionedCache[Rendered] = field(default_factory=lambda: VersionedCache(4096))
    location_names: VersionedCache[dict[str, str]] = field(default_factory=lambda: VersionedCache(1024))
    fulfilment_configs: VersionedCache[FulfilmentConfig] = field(default_factory=lambda: VersionedCache(1024))
    personalisation: VersionedCache[list[PersonalisationOptionOut]] = field(
        default_factory=lambda: VersionedCache(1024)
    )
