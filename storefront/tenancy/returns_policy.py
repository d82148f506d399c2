"""The returns promise a brand publishes with its products (schema.org ``MerchantReturnPolicy``).

Two settings are enough to say it honestly: how many days after delivery a piece may come back,
and whether the brand pays for the return. The default is what the law already asks of a UK or
EU distance seller, so publishing it never promises more than the brand must give: 14 days from
delivery (the Consumer Contracts Regulations' cancellation period, and the EU's), with the
shopper paying to send it back (allowed when the shopper is told so, which the policy does). A
brand that gives 30 days or free returns says so in its settings; returns recorded later
(:mod:`storefront.orders.returns`) are not refused by this window: it is what is promised, and a
merchant may always accept more.
"""

from __future__ import annotations

DEFAULT_RETURN_WINDOW_DAYS = 14
MAX_RETURN_WINDOW_DAYS = 365  # a year; a longer promise is unusual enough to be a typo


def policy_country(locale: str) -> str | None:
    """Where the policy applies: the brand locale's territory (``en_GB`` -> ``GB``), None without one."""
    _, _, territory = locale.partition("_")
    return territory or None
