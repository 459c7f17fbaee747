"""Lazy re-exports for package ``__init__`` files (PEP 562).

A command pays only for the modules it uses: ``from meam_mapping.geography
import read_boundaries`` imports :mod:`meam_mapping.geography.boundaries` and
nothing else of the package, so drawing a map never imports the estimators
(statsmodels, scikit-learn, esda, PHStatsMethods).

Each package lists its public names by the module that defines them and calls
:func:`attach`. The names resolve on first access and are then cached in the
package namespace, exactly as an eager ``from .module import name`` would.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterable, Mapping

__all__ = ["attach"]


class _LazyPackage(types.ModuleType):
    """A package whose exported names are imported on first access.

    When a submodule shares its name with an exported object (``pipeline.run``
    the module and ``run`` the function), the import system's binding of the
    submodule on the package is ignored so the name keeps meaning the object,
    as it does with eager imports.
    """

    def __setattr__(self, name: str, value: object) -> None:
        exports = self.__dict__.get("_lazy_exports", {})
        if (
            name in exports
            and isinstance(value, types.ModuleType)
            and value.__name__ == f"{self.__name__}.{name}"
            and name not in self.__dict__
        ):
            return  # the submodule shadows an exported object of the same name
        super().__setattr__(name, value)


def attach(package: str, exports: Mapping[str, Iterable[str]]) -> None:
    """Make ``package`` export ``exports`` lazily.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to iterable of str
        Submodule (relative, without the leading dot) to the names it exports.

    Raises
    ------
    ValueError
        When one name is exported by two submodules.
    """
    module = sys.modules[package]
    where: dict[str, str] = {}
    for submodule, names in exports.items():
        for name in names:
            if name in where:
                raise ValueError(
                    f"{package}: {name!r} is exported by {where[name]} and {submodule}"
                )
            where[name] = f"{package}.{submodule}"

    def __getattr__(name: str) -> object:
        target = where.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(target), name)
        module.__dict__[name] = value  # cached: later look-ups do not come here
        return value

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(where))

    module.__dict__["_lazy_exports"] = where
    module.__dict__["__getattr__"] = __getattr__
    module.__dict__["__dir__"] = __dir__
    module.__class__ = _LazyPackage
