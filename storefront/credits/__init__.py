"""Credits: trade-in valuation, credit codes and the credit ledger (the only writer of credit entries)."""

from storefront.credits import codes, ledger, service, trade_in_rules, valuation
from storefront.credits.models import Credit, CreditEntry, CreditLot, TradeInRules
from storefront.credits.rules import ENTRY_KINDS, EntryKind
from storefront.credits.schemas import CreditIn, CreditOut, EntryOut, IssuedCredit, Movement, TradeInRulesOut
from storefront.credits.service import CreditInsufficient, InvalidCreditCode, expire_due
from storefront.credits.valuation import Quote, QuoteLine, TradeInItem, ValuationRules, default_rules, quote

__all__ = [
    "ENTRY_KINDS",
    "Credit",
    "CreditEntry",
    "CreditIn",
    "CreditInsufficient",
    "CreditLot",
    "CreditOut",
    "EntryKind",
    "EntryOut",
    "InvalidCreditCode",
    "IssuedCredit",
    "Movement",
    "Quote",
    "QuoteLine",
    "TradeInItem",
    "TradeInRules",
    "TradeInRulesOut",
    "ValuationRules",
    "codes",
    "default_rules",
    "expire_due",
    "ledger",
    "quote",
    "service",
    "trade_in_rules",
    "valuation",
]
