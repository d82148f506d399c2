"""The back office at ``/admin``: a brand's staff sign in and run the shop from the browser (DESIGN 13).

Pages call the same services as the API; this package adds only who may (staff accounts, their
sessions, CSRF) and how it looks.
"""

from storefront.backoffice import passwords, resets
from storefront.backoffice.accounts import AccountLocked, SignInRefused, StaffOut, create_staff
from storefront.backoffice.credit_pages import CreditPages, TradeInPages
from storefront.backoffice.events_pages import EventPages
from storefront.backoffice.models import PasswordReset, StaffAccount, StaffSession
from storefront.backoffice.order_pages import OrderPages
from storefront.backoffice.resets import issue as issue_reset
from storefront.backoffice.stock_pages import StockPages
from storefront.backoffice.web import BackOfficeController

__all__ = [
    "AccountLocked",
    "BackOfficeController",
    "CreditPages",
    "EventPages",
    "OrderPages",
    "PasswordReset",
    "SignInRefused",
    "StaffAccount",
    "StaffOut",
    "StaffSession",
    "StockPages",
    "TradeInPages",
    "create_staff",
    "issue_reset",
    "passwords",
    "resets",
]
