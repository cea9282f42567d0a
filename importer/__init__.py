"""Bulk-import vehicles from CSV and Excel fleet files into OPS-COM through its Push API.

The stages, one module each, in the order a row passes through them:
``reading`` (file to rows of text), ``mapping`` (rows to vehicle payloads), ``validation``
(payload checks), ``pushing`` with ``client`` (concurrent requests to the Push API) and
``results`` (the results workbook). ``runner`` ties them together for the CLI in ``cli``.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("opscom-import")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
