"""Old import paths of modules that moved into the package's folders (release 0.2.0).

DAG code written against 0.1 may import, say, ``airflow_provider_jodo.job_verdict``: such an
import keeps working, with a ``DeprecationWarning`` naming the new path, and gives the very
objects of the new module (classes compare and ``isinstance`` as before).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from functools import partial
from types import ModuleType

PACKAGE = "airflow_provider_jodo"
MOVED_MODULES = {
    "codes": "vendor.codes",
    "results": "vendor.models",
    "job_verdict": "vendor.job_verdict",
    "job_matching": "vendor.job_matching",
    "wire": "vendor.wire",
    "connection_defaults": "hooks.connection_defaults",
    "connection_settings": "hooks.connection_settings",
    "retry_policy": "hooks.retry_policy",
    "record_sources": "loading.record_sources",
    "lead_rules": "loading.lead_rules",
    "lead_files": "loading.lead_files",
    "campaign_csv": "loading.campaign_csv",
    "exetime": "vendor.exetime",
    "progress": "loading.progress",
    "in_flight": "loading.in_flight",
    "import_report": "loading.import_report",
    "operator_arguments": "loading.operator_arguments",
}
"""Old module (relative to the package) -> where it lives now; a moved folder's modules follow it."""


def new_module_name(old_name: str) -> str | None:
    """Return the module that ``old_name`` now is, or None when ``old_name`` did not move.

    :param old_name: a dotted module name, e.g. ``airflow_provider_jodo.wire.form``.
    """
    prefix = f"{PACKAGE}."
    if not old_name.startswith(prefix):
        return None
    head, _, tail = old_name[len(prefix) :].partition(".")
    moved = MOVED_MODULES.get(head)
    if moved is None:
        return None
    return f"{prefix}{moved}" + (f".{tail}" if tail else "")


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old module path as a thin alias of the module that took its place."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """Claim an old path; every other import goes to the next finder."""
        new_name = new_module_name(fullname)
        if new_name is None:
            return None
        new_spec = importlib.util.find_spec(new_name)
        if new_spec is None:  # an old path to a module that does not exist now either
            return None
        return importlib.util.spec_from_loader(
            fullname, self, is_package=new_spec.submodule_search_locations is not None
        )

    def exec_module(self, module: ModuleType) -> None:
        """Serve the alias's attributes from the new module (PEP 562), warning once."""
        new_name = new_module_name(module.__name__)
        assert new_name is not None  # find_spec claimed only moved names
        warnings.warn(
            f"{module.__name__} moved to {new_name}; import it from there",
            DeprecationWarning,
            stacklevel=2,
        )
        target = importlib.import_module(new_name)
        module.__getattr__ = partial(getattr, target)  # type: ignore[method-assign]
        module.__doc__ = target.__doc__


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (the package's ``__init__`` calls it)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
