"""Events: pop-up events, the stock allocated to their stall, their devices and the signed event pack."""

from storefront.events import access, devices, pack, packs, service, tokens
from storefront.events.access import DEVICE, DEVICE_STATE_KEY, admits_device
from storefront.events.models import Event, EventAllocation, EventDevice
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
    "EventIn",
    "EventOut",
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
    "pack",
    "packs",
    "service",
    "tokens",
    "verify",
]
