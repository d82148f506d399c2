""" "Pairs well with" reads a bounded pool near the product's price, and on a small catalogue picks as before."""

from __future__ import annotations

import msgspec
import pytest

from components.pairs_well_with import rank
from storefront.catalog import pairing, service
from storefront.catalog.schemas import ProductFilters, ProductIn
from storefront.inventory import READER
from storefront.tenancy.schemas import CreatedBrand
from tests.conftest import MakeBrand
from tests.factories import product_body

# length_mm picks the size class: micro < 100, mini < 200, standard < 350, oversized beyond.
LENGTHS = (80, 150, 300, 400)

pytestmark = pytest.mark.db


async def _seed(make_brand: MakeBrand, count: int) -> tuple[CreatedBrand, list[str]]:
    brand = await make_brand()
    handles = []
    for i in range(count):
        body = product_body(price=5_000 + 700 * i, length_mm=LENGTHS[i % 4])
        created = await service.create_product(brand.brand.id, msgspec.convert(body, ProductIn), stock=READER)
        handles.append(created.handle)
    return brand, handles


async def test_the_pool_is_bounded_and_near_in_price(make_brand: MakeBrand) -> None:
    brand, handles = await _seed(make_brand, 90)
    product = await service.get_product(brand.brand.id, handles[45], stock=READER)
    pool = await service.pair_candidates(brand.brand.id, product, stock=READER)
    assert 0 < len(pool) <= pairing.PER_SIDE * 2 * 4
    assert product.handle not in {c.handle for c in pool}
    # nearest in price, per size class and side: nothing in the pool is further than the 2*PER_SIDE+1-th neighbour
    distances = sorted(abs(c.price_from.amount - product.price_from.amount) for c in pool)
    assert distances[-1] <= 700 * 4 * (pairing.PER_SIDE + 1)


async def test_on_a_small_catalogue_the_suggestions_are_those_of_the_whole_catalogue(make_brand: MakeBrand) -> None:
    brand, handles = await _seed(make_brand, 14)
    everything = await service.list_products(brand.brand.id, ProductFilters(), cursor=None, limit=100, stock=READER)
    for handle in handles:
        product = await service.get_product(brand.brand.id, handle, stock=READER)
        pool = await service.pair_candidates(brand.brand.id, product, stock=READER)
        assert [c.handle for c in rank(product, pool)] == [c.handle for c in rank(product, everything.data)]
