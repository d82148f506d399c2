"""The till's dependencies as handler annotations: ``till: TillDep``, ``session: SessionDep``, ``pages: PagesDep``.

Litestar 3 drops dependencies inferred from a parameter's name, so a handler marks each one; the
app provides them (``popup.till.app``). ``SkipValidation``: they are the app's own objects, not input.
"""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from popup.till.context import TillContext
from popup.till.sessions import Session
from popup.till.templating import Pages

TillDep = NamedDependency[SkipValidation[TillContext]]
SessionDep = NamedDependency[SkipValidation[Session]]
PagesDep = NamedDependency[SkipValidation[Pages]]
