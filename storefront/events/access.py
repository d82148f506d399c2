"""Which routes a device token may call, and where the auth edge leaves the device it resolved (pure).

Secret by default, as for publishable keys: a route admits a device token only when it says
``opt=DEVICE``; anywhere else a token is as unknown as a made-up key. The caller is kept under
its own state key, never as a ``Principal``, so no route that reads a principal (every
secret-key route) can mistake a device for the brand.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

DEVICE_STATE_KEY = "stallkit_device"
_DEVICE_OPT = "stallkit_device"

DEVICE: Mapping[str, Any] = MappingProxyType({_DEVICE_OPT: True})
"""``opt`` for a route a stall device calls with its token (the pack, and later sync)."""


def admits_device(route_handler: object) -> bool:
    opt = getattr(route_handler, "opt", None)
    return bool(opt and opt.get(_DEVICE_OPT))
