"""Events: pop-up events, their stall stock, devices, prices and drops, and the signed event pack."""

from typing import TYPE_CHECKING

from storefront.lazy import exports

if TYPE_CHECKING:
    from storefront.events import access, devices, ingest, offer, pack, packs, service, tokens
    from storefront.events.access import DEVICE, DEVICE_STATE_KEY, admits_device
    from storefront.events.closing import release_spent_holds
    from storefront.events.models import (
        Event,
        EventAllocation,
        EventDevice,
        EventDrop,
        EventDropSku,
        EventEntry,
        EventFlag,
        EventPrice,
        EventTender,
    )
    from storefront.events.pack import (
        ExpiredPack,
        ForeignPack,
        MalformedPack,
        Pack,
        PackError,
        TamperedPack,
        verify,
    )
    from storefront.events.schemas import (
        AllocationIn,
        AllocationOut,
        DeviceCaller,
        DeviceIn,
        DeviceOut,
        EventIn,
        EventOut,
        NewDevice,
    )

__all__ = [
    "DEVICE",
    "DEVICE_STATE_KEY",
    "AllocationIn",
    "AllocationOut",
    "DeviceCaller",
    "DeviceIn",
    "DeviceOut",
    "Event",
    "EventAllocation",
    "EventDevice",
    "EventDrop",
    "EventDropSku",
    "EventEntry",
    "EventFlag",
    "EventIn",
    "EventOut",
    "EventPrice",
    "EventTender",
    "ExpiredPack",
    "ForeignPack",
    "MalformedPack",
    "NewDevice",
    "Pack",
    "PackError",
    "TamperedPack",
    "access",
    "admits_device",
    "devices",
    "ingest",
    "offer",
    "pack",
    "packs",
    "release_spent_holds",
    "service",
    "tokens",
    "verify",
]

_EXPORTS = exports(
    __name__,
    {
        "AllocationIn": "storefront.events.schemas",
        "AllocationOut": "storefront.events.schemas",
        "DEVICE": "storefront.events.access",
        "DEVICE_STATE_KEY": "storefront.events.access",
        "DeviceCaller": "storefront.events.schemas",
        "DeviceIn": "storefront.events.schemas",
        "DeviceOut": "storefront.events.schemas",
        "Event": "storefront.events.models",
        "EventAllocation": "storefront.events.models",
        "EventDevice": "storefront.events.models",
        "EventDrop": "storefront.events.models",
        "EventDropSku": "storefront.events.models",
        "EventEntry": "storefront.events.models",
        "EventFlag": "storefront.events.models",
        "EventIn": "storefront.events.schemas",
        "EventOut": "storefront.events.schemas",
        "EventPrice": "storefront.events.models",
        "EventTender": "storefront.events.models",
        "ExpiredPack": "storefront.events.pack",
        "ForeignPack": "storefront.events.pack",
        "MalformedPack": "storefront.events.pack",
        "NewDevice": "storefront.events.schemas",
        "Pack": "storefront.events.pack",
        "PackError": "storefront.events.pack",
        "TamperedPack": "storefront.events.pack",
        "access": "storefront.events.access",
        "admits_device": "storefront.events.access",
        "devices": "storefront.events.devices",
        "ingest": "storefront.events.ingest",
        "offer": "storefront.events.offer",
        "pack": "storefront.events.pack",
        "packs": "storefront.events.packs",
        "release_spent_holds": "storefront.events.closing",
        "service": "storefront.events.service",
        "tokens": "storefront.events.tokens",
        "verify": "storefront.events.pack",
    },
)


def __getattr__(name: str) -> object:
    return _EXPORTS(name)
