"""Read and validate data into the canonical tables (see ``store.CANONICAL_COLUMNS``)."""
from .store import CANONICAL_COLUMNS, SourceFile, Store, open_store, sha256_file

__all__ = ["CANONICAL_COLUMNS", "SourceFile", "Store", "open_store", "sha256_file"]
