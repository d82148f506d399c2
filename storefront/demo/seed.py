"""Seed the demo microbrand, idempotently, through the same services the API uses.

Running the demo twice leaves one brand with the same products, stock and keys: objects are
created only when their handle is missing, stock is received only where a level doesn't exist
yet, and the keys (and the demo owner's back-office password) are kept (0600) in the data
directory, since a key's text is never stored in the database.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path

import msgspec

from storefront import db
from storefront.backoffice import StaffAccount, create_staff, passwords, resets
from storefront.catalog import Product
from storefront.catalog import service as catalog
from storefront.clock import utcnow
from storefront.credits import TradeInRules, ValuationRules, trade_in_rules
from storefront.demo import catalogue as data
from storefront.demo.fulfilment import seed_fulfilment
from storefront.inventory import READER, Location, MovementIn, StockLevel
from storefront.inventory import service as inventory
from storefront.lookbooks import Lookbook
from storefront.lookbooks import service as lookbooks
from storefront.settings import Settings
from storefront.tenancy import Brand, BrandUpdate, Principal
from storefront.tenancy import service as tenancy

OWNER_EMAIL = "owner@maison-hollis.example"


class DemoSeed(msgspec.Struct, frozen=True, kw_only=True):
    brand_handle: str
    brand_name: str
    publishable_key: str
    secret_key: str
    products: int
    created: int
    staff_email: str = OWNER_EMAIL
    staff_password: str = ""

    def describe(self, base_url: str) -> str:
        first = data.PRODUCTS[0].handle
        return "\n".join(
            [
                f"Stallkit demo: {self.brand_name} ({self.products} products, {self.created} created this run)",
                f"  publishable key: {self.publishable_key}",
                f"  secret key:      {self.secret_key}",
                f"  products:  {base_url}/v1/products            (send the key as 'Authorization: Bearer ...')",
                f"  a product: {base_url}/v1/products/{first}",
                f"  lookbook:  {base_url}/v1/lookbooks/{data.LOOKBOOK.handle}",
                f"  try:       curl -H 'Authorization: Bearer {self.publishable_key}' {base_url}/v1/products/{first}",
                f"  OpenAPI:   {base_url}/schema/openapi.json",
                f"  back office: {base_url}/admin/sign-in   as {self.staff_email}, password {self.staff_password}",
            ]
        )


# Maison Hollis pays more for its own bags (it can refurbish them with its own parts) and adds a tenth
# when the credit goes on a new piece. Amounts in pence.
TRADE_IN_RULES = ValuationRules(
    currency="GBP",
    default_base={"micro": 1500, "mini": 3000, "standard": 5000, "oversized": 7000},
    base_values={
        "briefcase": {"standard": 7000, "oversized": 9000},
        "weekender": {"standard": 7500, "oversized": 9500},
        "card-holder": {"micro": 1200},
    },
    grades={"A": 1000, "B": 800, "C": 550, "D": 250},
    materials={"full-grain calfskin": 1200, "vegetable-tanned leather": 1150, "cactus leather": 1000},
    default_material=900,
    own_brand=1000,
    other_brand=600,
    new_piece_bonus=100,
    min_amount=500,
    max_amount=25000,
    validity_days=14,
)


def keys_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "demo-keys.json"


def load_saved_keys(path: Path) -> dict[str, str]:
    return json.loads(path.read_text()) if path.exists() else {}


async def seed_demo(settings: Settings, saved_keys: dict[str, str], site_origins: Sequence[str] = ()) -> DemoSeed:
    """Open the database, seed what is missing, and return the brand's keys (saved ones if still valid).

    ``site_origins`` are where the sample brand site is served this run: the brand must allow
    them, or every component on that page fails its CORS check.
    """
    await db.open_database(settings)
    try:
        seeded = await _seed(saved_keys)
        await allow_origins(seeded.brand_handle, site_origins)
        return seeded
    finally:
        await db.close_database()


async def allow_origins(brand_handle: str, origins: Sequence[str]) -> list[str]:
    """Add the ``origins`` the brand does not allow yet (in order, after its own) and return those added.

    Run on every start, since ``STALLKIT_DEMO_SITE_PORT`` may move the site after the brand was
    seeded. Origins are only ever added: a brand's own (set with ``PATCH /v1/brand``) stay. Written
    through the tenancy service, so the catalogue version moves and no worker keeps the old list.
    """
    brand = await Brand.get(handle=brand_handle)
    missing = [origin for origin in dict.fromkeys(origins) if origin not in brand.allowed_origins]
    if missing:
        await tenancy.update_brand(brand.id, BrandUpdate(allowed_origins=[*brand.allowed_origins, *missing]))
    return missing


async def _seed(saved_keys: dict[str, str]) -> DemoSeed:
    brand = await Brand.get_or_none(handle=data.BRAND.handle)
    if brand is None:
        created_brand = await tenancy.create_brand(data.BRAND)
        brand_id, brand_handle = created_brand.brand.id, created_brand.brand.handle
        publishable, secret = created_brand.publishable_key, created_brand.secret_key
    else:
        brand_id, brand_handle = brand.id, brand.handle
        publishable, secret = await _reuse_or_issue_keys(brand_id, saved_keys)

    for location in data.LOCATIONS:
        if not await Location.exists(brand_id=brand_id, handle=location.handle):
            await inventory.create_location(brand_id, location)

    created = 0
    for product in data.PRODUCTS:
        if not await Product.exists(brand_id=brand_id, handle=product.handle):
            await catalog.create_product(brand_id, product, stock=READER)
            created += 1

    for line in data.STOCK:
        has_level = await StockLevel.exists(
            variant__brand_id=brand_id, variant__sku=line.sku, location__handle=line.location
        )
        if not has_level and line.quantity > 0:
            movement = MovementIn(
                sku=line.sku,
                location=line.location,
                kind="receive",
                quantity=line.quantity,
                reason="demo opening stock",
            )
            await inventory.record_movement(brand_id, movement)

    await seed_fulfilment(brand_id)

    if not await Lookbook.exists(brand_id=brand_id, handle=data.LOOKBOOK.handle):
        await lookbooks.create_lookbook(brand_id, data.LOOKBOOK)

    if not await TradeInRules.exists(brand_id=brand_id):
        await trade_in_rules.put_trade_in_rules(brand_id, TRADE_IN_RULES)

    return DemoSeed(
        brand_handle=brand_handle,
        brand_name=data.BRAND.name,
        publishable_key=publishable,
        secret_key=secret,
        products=await Product.filter(brand_id=brand_id).count(),
        created=created,
        staff_password=await _owner_password(brand_handle, saved_keys.get("staff_password", "")),
    )


async def _owner_password(brand_handle: str, saved: str) -> str:
    """The demo owner's password: the saved one while it still signs in, else a new one (set through a reset)."""
    now = utcnow()
    account = await StaffAccount.get_or_none(email=OWNER_EMAIL)
    if account is not None and saved and passwords.verify(account.password_hash, saved):
        return saved
    fresh = secrets.token_urlsafe(12)
    if account is None:
        await create_staff(brand_handle, email=OWNER_EMAIL, name="Hollis owner", role="owner", password=fresh, now=now)
    else:
        await resets.use(await resets.issue(OWNER_EMAIL, now), fresh, now)
    return fresh


async def _reuse_or_issue_keys(brand_id: uuid.UUID, saved: dict[str, str]) -> tuple[str, str]:
    """The saved keys if they still authenticate for this brand, else a fresh pair."""
    principals = [await tenancy.authenticate(saved.get(k, "")) for k in ("publishable_key", "secret_key")]
    if all(isinstance(p, Principal) and p.brand_id == brand_id for p in principals):
        return saved["publishable_key"], saved["secret_key"]
    return await tenancy.issue_keys(brand_id, label="demo")


def save_keys(path: Path, publishable: str, secret: str, staff_password: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"publishable_key": publishable, "secret_key": secret, "staff_password": staff_password}, handle)
