"""codeassist: a repository-aware coding assistant that runs on your machine."""

from __future__ import annotations

__version__ = "0.1.0"


def _map_checkout_folders() -> None:
    """Make ``codeassist.indexer`` and ``codeassist.lsp`` importable when this package is imported from
    a source checkout.

    In the checkout those subpackages are the top-level folders ``indexer/`` and ``lsp/`` (pyproject's
    package-dir mapping); an installed copy has them inside the package. ``python -m codeassist`` run
    from the checkout imports this folder first (the current directory leads sys.path), shadowing the
    installed package, and the two subpackages were then nowhere (ModuleNotFoundError: codeassist.indexer).
    An editable install's finder maps them itself; this finder does the same for every other case and
    goes last, so it never overrides one."""
    import sys
    from importlib.machinery import ModuleSpec
    from importlib.util import spec_from_file_location
    from pathlib import Path

    package = Path(__file__).resolve().parent
    checkout = package.parent
    folders = {f"{__name__}.{name}": checkout / name for name in ("indexer", "lsp")
               if not (package / name).exists() and (checkout / name / "__init__.py").is_file()}
    if not folders or not (checkout / "pyproject.toml").is_file():
        return

    class CheckoutFolders:
        @staticmethod
        def find_spec(fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
            folder = folders.get(fullname)
            if folder is None:
                return None
            return spec_from_file_location(fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])

    if not any(getattr(finder, "__name__", "") == "CheckoutFolders" for finder in sys.meta_path):
        sys.meta_path.append(CheckoutFolders)


_map_checkout_folders()
