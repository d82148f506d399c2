"""How handlers name the payment port they are given (Litestar injects it by this name, ``gateway``).

The webhook route lives with ``orders``, which applies payment news; this domain knows no order.
"""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from storefront.payments.gateway import PaymentGateway

# Our own object, so Litestar is told not to validate it (a Protocol cannot be isinstance-checked).
Gateway = NamedDependency[SkipValidation[PaymentGateway]]
