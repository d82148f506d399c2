"""Credits: trade-in valuation, credit codes and the credit ledger (the only writer of credit entries)."""

from storefront.credits import (
    codes,
    estimates,
    figures,
    ledger,
    service,
    trade_in_photos,
    trade_in_rules,
    trade_in_states,
    trade_ins,
    valuation,
)
from storefront.credits.models import Credit, CreditEntry, CreditLot, TradeIn, TradeInPhoto, TradeInRules, TradeInStep
from storefront.credits.recommerce import RefurbishedOut, RefurbishIn, TradeInSource, list_refurbished
from storefront.credits.rules import ENTRY_KINDS, EntryKind
from storefront.credits.schemas import CreditIn, CreditOut, EntryOut, IssuedCredit, Movement, TradeInRulesOut
from storefront.credits.service import CreditInsufficient, InvalidCreditCode, expire_due
from storefront.credits.trade_in_schemas import AcceptedTradeIn, TradeInIn, TradeInOut, TradeInSummary
from storefront.credits.trade_ins import get_trade_in, start_trade_in
from storefront.credits.valuation import Quote, QuoteLine, TradeInItem, ValuationRules, default_rules, quote

__all__ = [
    "ENTRY_KINDS",
    "AcceptedTradeIn",
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
    "RefurbishIn",
    "RefurbishedOut",
    "TradeIn",
    "TradeInIn",
    "TradeInItem",
    "TradeInOut",
    "TradeInPhoto",
    "TradeInRules",
    "TradeInRulesOut",
    "TradeInSource",
    "TradeInStep",
    "TradeInSummary",
    "ValuationRules",
    "codes",
    "default_rules",
    "estimates",
    "expire_due",
    "figures",
    "get_trade_in",
    "ledger",
    "list_refurbished",
    "quote",
    "service",
    "start_trade_in",
    "trade_in_photos",
    "trade_in_rules",
    "trade_in_states",
    "trade_ins",
    "valuation",
]
