"""The event pack's signature, alone (no database, no clock): what the till trusts and what it refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.events import pack, tokens

KEY = tokens.signing_key("s" * 48)
DEVICE = uuid.uuid4()
EVENT = uuid.uuid4()
ENDS = datetime(2026, 12, 12, 17, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 10, 8, 0, tzinfo=UTC)


def pack_key(device: uuid.UUID = DEVICE) -> str:
    return tokens.pack_key(KEY, device)


def signed(device: uuid.UUID = DEVICE, event: uuid.UUID = EVENT) -> bytes:
    built = pack.build(
        event=pack.PackEvent(
            id=event, handle="xmas", name="Christmas market", venue="Columbia Road", timezone="Europe/London",
            starts_at=ENDS - timedelta(hours=8), ends_at=ENDS, status="open", location="stall-xmas",
        ),
        device=pack.PackDevice(id=device, name="till 1"),
        brand=pack.PackBrand(
            id=uuid.uuid4(), handle="hollis", name="Maison Hollis", currency="GBP", locale="en_GB",
            timezone="Europe/London", theme="default",
        ),
        products=[
            pack.PackProduct(
                sku="MH-NOA-TAN", title="Noa Micro Bag (Tan)", price=12_500, currency="GBP",
                images=[pack.PackImage(url="/static/noa.svg", alt="Noa, tan — café au lait")],
            )
        ],
        allocation=[pack.PackLine(sku="MH-NOA-TAN", quantity=3)],
        pack_key=pack_key(device),
        now=NOW,
    )  # fmt: skip
    return pack.encode(built)


def test_a_genuine_pack_verifies_and_reads_back() -> None:
    verified = pack.verify(signed(), pack_key(), NOW, device_id=DEVICE, event_id=EVENT)
    assert verified.format == 1
    assert verified.expires_at == ENDS + timedelta(days=2)
    assert verified.allocation == [pack.PackLine(sku="MH-NOA-TAN", quantity=3)]
    assert len(verified.signature) == 64


def test_the_signature_does_not_depend_on_key_order_or_spacing() -> None:
    body = msgspec.json.decode(signed())
    reordered = dict(reversed(list(body.items())))
    pretty = msgspec.json.format(msgspec.json.encode(reordered), indent=4)
    assert pack.verify(pretty, pack_key(), NOW).device.id == DEVICE


def test_a_changed_value_is_tampering() -> None:
    body = msgspec.json.decode(signed())
    body["products"][0]["price"] = 1
    with pytest.raises(pack.TamperedPack):
        pack.verify(msgspec.json.encode(body), pack_key(), NOW)
    body = msgspec.json.decode(signed())
    body["allocation"][0]["quantity"] = 30
    with pytest.raises(pack.TamperedPack):
        pack.verify(msgspec.json.encode(body), pack_key(), NOW)


@given(st.data())
def test_any_flipped_byte_is_refused(data: st.DataObject) -> None:
    raw = bytearray(signed())
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    with pytest.raises(pack.PackError):
        pack.verify(bytes(raw), pack_key(), NOW)


def test_another_devices_key_does_not_verify() -> None:
    with pytest.raises(pack.TamperedPack, match="another device"):
        pack.verify(signed(), pack_key(uuid.uuid4()), NOW)


def test_a_genuine_pack_for_another_device_or_event_is_foreign() -> None:
    other = uuid.uuid4()
    with pytest.raises(pack.ForeignPack, match="device"):
        pack.verify(signed(device=other), pack_key(other), NOW, device_id=DEVICE)
    with pytest.raises(pack.ForeignPack, match="event"):
        pack.verify(signed(), pack_key(), NOW, device_id=DEVICE, event_id=uuid.uuid4())


def test_a_pack_expires_two_days_after_its_event() -> None:
    assert pack.verify(signed(), pack_key(), ENDS + timedelta(days=2) - timedelta(seconds=1))
    with pytest.raises(pack.ExpiredPack, match="expired"):
        pack.verify(signed(), pack_key(), ENDS + timedelta(days=2))


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1, 2]", b'{"format": 1}', b'{"signature": 5}', b"\xff\xfe"],
    ids=["empty", "text", "list", "unsigned", "signature-not-text", "bad-utf8"],
)
def test_what_is_not_a_pack_is_malformed(raw: bytes) -> None:
    with pytest.raises(pack.MalformedPack):
        pack.verify(raw, pack_key(), NOW)


def test_a_signed_body_of_the_wrong_shape_is_malformed() -> None:
    body = {"format": 1, "event": {"id": "x"}}
    body["signature"] = pack.signature_of(body, pack_key())
    with pytest.raises(pack.MalformedPack):
        pack.verify(msgspec.json.encode(body), pack_key(), NOW)


def test_a_pack_key_that_is_not_one_is_refused_in_words() -> None:
    with pytest.raises(pack.PackError, match="not hex"):
        pack.verify(signed(), "zz", NOW)
    with pytest.raises(pack.PackError, match="length"):
        pack.verify(signed(), "abcd", NOW)


def test_pack_keys_are_per_device_and_derivable_again() -> None:
    assert pack_key() == tokens.pack_key(tokens.signing_key("s" * 48), DEVICE)
    assert pack_key() != pack_key(uuid.uuid4())
    assert pack_key() != tokens.pack_key(tokens.signing_key("t" * 48), DEVICE)
