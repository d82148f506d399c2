"""The error tree in ``storefront.errors``' docstring lists every domain error, truly.

Pure: no database, no app. Every module of ``storefront`` and ``components`` is imported, every
subclass of :class:`StallkitError` collected, and each must have one line in the tree with its
code and the status :func:`problem_for` gives it. The tree is keyed by class name and code, never
by module, since errors move between modules; the bracketed domain is only checked to name a
package that exists.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import typing
from collections import Counter
from dataclasses import dataclass
from functools import cache

import components
import storefront
from storefront import errors
from storefront.api.problems import problem_for
from storefront.errors import StallkitError

ROOTS = (storefront, components)

# Not imported: migrations are data for the migration runner, and ``storefront.asgi`` is the
# composition root for a server (it reads the environment, writes a secret into the data dir
# and builds the app when imported).
SKIP = ("storefront.migrations", "storefront.asgi")

# Classes that deliberately set no ``code`` of their own, so a client sees their parent's.
# Exactly these: any other class without its own code fails, and so does an entry here whose
# class has gone or has gained a code (the docstring's paragraph on them must change too).
SHARES_PARENT_CODE = {
    "PaymentIntentNotFound": (
        "still a 503 payments_unavailable to a client: a missing intent is a configuration problem "
        "on our side, and only the reconciler tells it apart, by its class"
    ),
    "QuoteUnavailable": (
        "invalid_input is only the class default: each instance's code is the promise engine's reason"
    ),
    "ActionFailed": ("a component action's generic failure, answered as an error fragment with the root's code"),
}

SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# A tree line: drawing, class name, (code), status, optional [domain], then prose.
LINE = re.compile(
    r"^[\s│├└─]*?(?P<name>[A-Z]\w*)\s+\((?P<code>[^)]*)\)\s+(?P<status>\d{3})(?:\s+\[(?P<domain>[\w.]+)\])?"
)
REASONS = re.compile(r"QuoteUnavailable reasons:(?P<list>[\s\w,]+?)(?:\n\s*\n|$)")


@dataclass(frozen=True)
class Entry:
    name: str
    code: str
    status: int
    domain: str | None
    depth: int
    parent: str | None
    line: str


@cache
def error_classes() -> dict[str, type[StallkitError]]:
    """Every ``StallkitError`` subclass (and the root) defined in storefront or components, by name."""
    for root in ROOTS:
        for info in pkgutil.walk_packages(root.__path__, root.__name__ + ".", onerror=_raise):
            if not info.name.startswith(SKIP):
                importlib.import_module(info.name)
    found: dict[str, type[StallkitError]] = {}
    clashes: list[str] = []
    todo: list[type[StallkitError]] = [StallkitError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] not in {r.__name__ for r in ROOTS}:
            continue  # a test's own subclass, say
        if cls.__name__ in found and found[cls.__name__] is not cls:
            clashes.append(f"{found[cls.__name__].__module__}.{cls.__name__} and {cls.__module__}.{cls.__name__}")
        found[cls.__name__] = cls
    assert not clashes, f"the error tree is keyed by class name, but two classes share one: {clashes}"
    return found


def _raise(name: str) -> None:
    raise ImportError(f"could not import {name} while walking the packages")


@cache
def tree() -> dict[str, Entry]:
    """The docstring's tree, by class name; a class listed twice fails here."""
    doc = errors.__doc__ or ""
    entries: dict[str, Entry] = {}
    stack: list[str] = []
    root_column: int | None = None
    for raw in doc.splitlines():
        m = LINE.match(raw)
        if not m:
            continue
        if root_column is None:
            root_column = m.start("name")
        depth = (m.start("name") - root_column) // 4  # each level is drawn four columns further in
        del stack[depth:]
        name = m["name"]
        assert name not in entries, f"{name} is listed twice in the error tree:\n{entries[name].line}\n{raw}"
        entries[name] = Entry(
            name=name,
            code=m["code"],
            status=int(m["status"]),
            domain=m["domain"],
            depth=depth,
            parent=stack[-1] if stack else None,
            line=raw.rstrip(),
        )
        stack.append(name)
    assert entries, "storefront/errors.py's docstring has no error tree"
    return entries


def wire(cls: type[StallkitError]) -> tuple[str, int]:
    """The code and status a client sees for ``cls``, through the one mapping to problem details."""
    exc = cls.__new__(cls)
    StallkitError.__init__(exc, "probe")  # not cls.__init__: QuoteUnavailable's wants a quote result
    problem = problem_for(exc)
    return problem.code, problem.status


def suggested_line(cls: type[StallkitError]) -> str:
    depth = len([c for c in cls.__mro__ if isinstance(c, type) and issubclass(c, StallkitError)]) - 1
    prefix = "" if depth == 0 else "│   " * (depth - 1) + "├── "
    code, status = wire(cls)
    domain = "" if cls.__module__ == errors.__name__ else f" [{domain_of(cls)}]"
    return f"    {prefix}{cls.__name__}".ljust(36) + f"({code})".ljust(28) + f"{status}{domain}"


def domain_of(cls: type) -> str:
    parts = cls.__module__.split(".")
    return parts[1] if parts[0] == "storefront" and len(parts) > 2 else parts[0]


def test_every_error_class_is_in_the_tree_with_its_code_and_status() -> None:
    entries = tree()
    problems = []
    for name, cls in sorted(error_classes().items()):
        code, status = wire(cls)
        assert code == cls.code
        entry = entries.get(name)
        if entry is None:
            parent = cls.__bases__[0].__name__
            problems.append(
                f"{cls.__module__}.{name} is missing from the error tree; add under {parent}:\n{suggested_line(cls)}"
            )
        elif (entry.code, entry.status) != (code, status):
            problems.append(
                f"{name} is listed as ({entry.code}) {entry.status} but is ({code}) {status}; make its line:\n"
                f"{suggested_line(cls)}"
            )
    assert not problems, "storefront/errors.py's docstring is out of date:\n" + "\n".join(problems)


def test_the_tree_lists_no_class_that_no_longer_exists() -> None:
    classes = error_classes()
    stale = [entry.line for name, entry in tree().items() if name not in classes]
    assert not stale, (
        "storefront/errors.py's error tree lists classes that no longer exist; remove these lines:\n" + "\n".join(stale)
    )


def test_the_tree_nests_each_class_under_its_parent() -> None:
    classes = error_classes()
    wrong = []
    for name, entry in tree().items():
        cls = classes.get(name)
        if cls is None:
            continue  # reported as stale
        parent = None if cls is StallkitError else cls.__bases__[0].__name__
        if entry.parent != parent:
            wrong.append(f"{name} is drawn under {entry.parent} but subclasses {parent}: {entry.line}")
    assert not wrong, "storefront/errors.py's error tree has the wrong shape:\n" + "\n".join(wrong)


def test_domains_are_named_for_classes_defined_elsewhere_and_are_packages() -> None:
    classes = error_classes()
    wrong = []
    for name, entry in tree().items():
        cls = classes.get(name)
        if cls is None:
            continue
        home = cls.__module__ == errors.__name__
        if home and entry.domain:
            wrong.append(f"{name} is defined in storefront.errors: drop [{entry.domain}] from {entry.line}")
        elif not home and not entry.domain:
            wrong.append(f"{name} is defined in {cls.__module__}: name its domain, e.g. [{domain_of(cls)}]")
        elif entry.domain and not (
            _is_package(f"storefront.{entry.domain}")
            or (entry.domain.split(".")[0] == "components" and _is_package(entry.domain))
        ):
            wrong.append(f"{name}'s domain [{entry.domain}] names no package of storefront or components")
    assert not wrong, "\n".join(wrong)


def _is_package(name: str) -> bool:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return False
    return spec is not None and spec.submodule_search_locations is not None


def test_codes_are_snake_case_and_unique_except_the_deliberate_sharers() -> None:
    classes = error_classes()
    problems = [f"{n}'s code {c.code!r} is not snake_case" for n, c in classes.items() if not SNAKE.match(c.code)]
    own = Counter(vars(c)["code"] for c in classes.values() if "code" in vars(c))
    problems += [
        f"{n} and others set the same code {c.code!r}"
        for n, c in classes.items()
        if "code" in vars(c) and own[c.code] > 1
    ]
    for name, cls in classes.items():
        if "code" not in vars(cls) and name not in SHARES_PARENT_CODE:
            problems.append(
                f"{name} sets no code, so it shares its parent's {cls.code!r}: give it its own, or if that is "
                "deliberate add it to SHARES_PARENT_CODE with the reason (and to the docstring's paragraph)"
            )
    for name in SHARES_PARENT_CODE:
        cls = classes.get(name)
        if cls is None:
            problems.append(f"SHARES_PARENT_CODE allows {name}, which no longer exists: remove it")
        elif "code" in vars(cls):
            problems.append(f"SHARES_PARENT_CODE allows {name}, which now sets code {cls.code!r}: remove it")
    assert not problems, "\n".join(problems)


def test_quote_unavailable_reasons_are_documented() -> None:
    """QuoteUnavailable's instances carry the engine's reason as their code: those are listed too."""
    cls = error_classes().get("QuoteUnavailable")
    match = REASONS.search(errors.__doc__ or "")
    if cls is None:
        assert match is None, "QuoteUnavailable is gone: remove its reasons from storefront/errors.py's docstring"
        return
    result = typing.get_type_hints(cls.__init__)["result"]
    reasons = set(typing.get_args(typing.get_type_hints(result)["reason"]))
    assert reasons, "could not read QuoteUnavailable's reasons from its result's type"
    bad = sorted(r for r in reasons if not SNAKE.match(r))
    assert not bad, f"reasons that are not snake_case: {bad}"
    assert match, "storefront/errors.py's docstring should list 'QuoteUnavailable reasons: ...'"
    listed = {r.strip() for r in match["list"].replace("\n", " ").split(",") if r.strip()}
    assert listed == reasons, (
        f"QuoteUnavailable reasons in the docstring: add {sorted(reasons - listed)}, remove {sorted(listed - reasons)}"
    )
