"""Decide what a file really is from its bytes, and which encoding a text file uses.

The extension is only a hint: fleet files arrive as CSV text named ``.xls``, as HTML pages
saved from a web export, or as workbooks renamed ``.csv``. The container is recognised by its
first bytes (zip for xlsx/xlsm/xlsb/ods, OLE2 for legacy xls), everything else is taken as
text and checked further by ``text.py``.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from importer.errors import InputFileError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BLOCK_SIZE = 1 << 20
#: Codecs whose ASCII bytes decode to themselves, so that pure-ASCII blocks need no decoding.
ASCII_COMPATIBLE = frozenset({"utf-8", "cp1252", "iso8859-1"})
#: Codecs that take the byte order from a byte order mark and reject text without one.
BOM_ENCODINGS = frozenset({"utf-16", "utf-32"})

#: First bytes of common files that people pick by mistake, and what to call them.
OTHER_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)

EXPORT_HINT = "export the fleet list from its program as .xlsx or .csv"


class FileKind(StrEnum):
    """The format found in the file's content."""

    TEXT = "delimited text (CSV)"
    XLSX = "an Excel workbook (.xlsx)"
    XLSB = "an Excel binary workbook (.xlsb)"
    XLS = "a legacy Excel workbook (.xls)"
    ODS = "an OpenDocument spreadsheet (.ods)"


@dataclass(frozen=True, slots=True)
class Encoding:
    """The text encoding to read a file with, and a note when it was a guess worth checking."""

    name: str
    note: str | None = None


def read_head(path: Path, size: int = 64 * 1024) -> bytes:
    """Return the first ``size`` bytes; raise ``InputFileError`` when the path cannot be read."""
    if not path.exists():
        raise InputFileError(path, "file not found; check the path.")
    if path.is_dir():
        raise InputFileError(path, "is a folder, not a file; pass the path of the fleet file.")
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise InputFileError(
            path, f"cannot be read ({exc.strerror or exc}); check the file's permissions."
        ) from exc


def sniff_kind(path: Path, head: bytes) -> FileKind:
    """Return the format of the file whose first bytes are ``head``.

    Raises ``InputFileError`` for an empty file and for files of other kinds (PDF, image,
    Word document, encrypted workbook...), naming what the file is.
    """
    if not head.strip():
        raise InputFileError(path, "the file is empty; export the sheet again.")
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(path)
    for magic, name in OTHER_MAGIC:
        if head.startswith(magic):
            raise InputFileError(path, f"this is {name}, not a spreadsheet; {EXPORT_HINT}.")
    return FileKind.TEXT


def _zip_kind(path: Path) -> FileKind:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputFileError(
            path,
            "the workbook is corrupt or truncated (not a valid zip archive); "
            "save it again from Excel or ask the sender for a new copy.",
        ) from exc
    if "xl/workbook.xml" in names:
        return FileKind.XLSX
    if "xl/workbook.bin" in names:
        return FileKind.XLSB
    if mimetype.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
        return FileKind.ODS
    if "word/document.xml" in names:
        description = "a Word document"
    elif mimetype.startswith(b"application/vnd.oasis.opendocument"):
        description = "an OpenDocument file that is not a spreadsheet"
    else:
        description = "a zip archive"
    raise InputFileError(path, f"this is {description}, not a spreadsheet; {EXPORT_HINT}.")


def _ole_kind(path: Path) -> FileKind:
    """Tell a legacy workbook from an encrypted one or another OLE2 document by stream names."""
    found = _find_utf16_names(path, ("EncryptedPackage", "Workbook", "Book", "WordDocument"))
    if "EncryptedPackage" in found:
        raise InputFileError(
            path,
            "the workbook is password-protected; open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password), save it and try again.",
        )
    if "Workbook" in found or "Book" in found:
        return FileKind.XLS
    description = "a Word document" if "WordDocument" in found else "an OLE2 document"
    raise InputFileError(path, f"this is {description}, not a spreadsheet; {EXPORT_HINT}.")


def _find_utf16_names(path: Path, names: tuple[str, ...]) -> set[str]:
    """Return which ``names`` occur as UTF-16LE text anywhere in the file.

    OLE2 directory entries store stream names in UTF-16LE, and the directory may sit anywhere
    in the file, so the whole file is scanned block by block.
    """
    patterns = {name: name.encode("utf-16-le") for name in names}
    overlap = max(len(pattern) for pattern in patterns.values())
    found: set[str] = set()
    tail = b""
    for block in _blocks(path):
        window = tail + block
        found.update(name for name, pattern in patterns.items() if pattern in window)
        tail = window[-overlap:]
    return found


def _blocks(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while block := handle.read(BLOCK_SIZE):
                yield block
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc}).") from exc


def detect_encoding(path: Path, head: bytes) -> Encoding:
    """Return the encoding of a text file: its BOM, else UTF-8 if every byte is valid UTF-8.

    A file that is not valid UTF-8 is read as Windows-1252 (Excel's "CSV" on Windows in
    Western Europe and the Americas), or as Latin-1 when it uses bytes that Windows-1252
    leaves undefined. Either way the result carries a note, because that choice is a guess.
    """
    bom = _encoding_from_bom(head) or _utf16_without_bom(head)
    if bom is not None:
        return Encoding(bom)
    error = first_decode_error(path, "utf-8")
    if error is None:
        return Encoding("utf-8")
    fallback = "cp1252" if first_decode_error(path, "cp1252") is None else "latin-1"
    label = "Windows-1252" if fallback == "cp1252" else "Latin-1"
    return Encoding(
        fallback,
        f"The file is not valid UTF-8 ({error}), so it was read as {label} text; "
        "if accented letters look wrong, pass --encoding with the right encoding.",
    )


def _encoding_from_bom(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """Recognise UTF-16 text without a BOM: ASCII characters leave every other byte zero."""
    sample = head[:4096]
    if len(sample) < 16:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > 0.6 * half and even_zeros < 0.1 * half:
        return "utf-16-le"
    if even_zeros > 0.6 * half and odd_zeros < 0.1 * half:
        return "utf-16-be"
    return None


def first_decode_error(path: Path, encoding: str) -> str | None:
    """Return where ``path`` first fails to decode as ``encoding``, or ``None`` if it decodes.

    The file is decoded in blocks, so memory stays small for any file size.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    ascii_compatible = codecs.lookup(encoding).name in ASCII_COMPATIBLE
    consumed = 0
    lines = 1
    for block in _blocks(path):
        pending = decoder.getstate()[0]
        try:
            if not (ascii_compatible and block.isascii() and not pending):
                decoder.decode(block)
        except UnicodeDecodeError as exc:
            # exc.object ends where the block ends; it may start with bytes held over from
            # the previous block, or without the BOM that utf-8-sig removed.
            data = bytes(exc.object)
            offset = consumed + len(block) - len(data) + exc.start
            line = lines + data.count(b"\n", 0, exc.start)
            return f"byte 0x{data[exc.start]:02X} at offset {offset}, line {line}"
        except UnicodeError as exc:
            return _stream_error(encoding, exc)
        consumed += len(block)
        lines += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return f"the file ends in the middle of a character at offset {consumed}"
    except UnicodeError as exc:
        return _stream_error(encoding, exc)
    return None


def _stream_error(encoding: str, exc: UnicodeError) -> str:
    """Describe a decoding error that has no position, such as a missing byte order mark."""
    # The utf-16 and utf-32 codecs raise a bare UnicodeError only when the text does not
    # start with a byte order mark, which they need to know the byte order.
    if codecs.lookup(encoding).name in BOM_ENCODINGS:
        return "the file does not start with a byte order mark"
    return str(exc)
