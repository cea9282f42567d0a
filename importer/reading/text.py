"""Read delimited text (CSV, TSV, TXT) record by record, numbered as Excel numbers its rows.

Records come from the standard library's C ``csv`` reader, one at a time, so memory stays
flat for any file size. pandas' C parser was measured too, but it pads short lines with empty
strings, which hides a ragged row, and it was slower per row (see ``docs/reading.md``).

A row number is the record's position in the file counting blank lines, which is the row
Excel shows when it opens the file. It equals the line number in a text editor unless a
quoted cell above it spans several lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from importer.errors import InputFileError, UsageError
from importer.reading.rows import RawRow
from importer.reading.sniff import (
    BOM_ENCODINGS,
    EXPORT_HINT,
    Encoding,
    detect_encoding,
    first_decode_error,
)

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
#: Excel writes this first line ("sep=;") to name the delimiter, and hides it when it opens
#: the file.
SEP_HINT = re.compile(r"sep=(.)\r?\n", re.IGNORECASE)
ENCODING_LABELS = {"utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "utf-32": "UTF-32"}


@dataclass(frozen=True, slots=True)
class TextFormat:
    """How to read a text file: its encoding, its delimiter and how many hint lines to skip."""

    encoding: str
    delimiter: str
    skip_lines: int = 0


def text_format(
    path: Path,
    head: bytes,
    encoding: str | None,
    delimiter: str | None,
    notes: list[str],
) -> TextFormat:
    """Decide the encoding and delimiter of a text file, from the options or by detection.

    Appends a note when the encoding is a guess worth checking. Raises ``InputFileError``
    when the text is an HTML or XML page, binary data, or not valid in the given encoding.
    """
    chosen = _checked_encoding(path, head, encoding)
    if chosen.note:
        notes.append(chosen.note)
    sample = codecs.getincrementaldecoder(chosen.name)("replace").decode(head)
    _reject_non_tabular(path, sample)
    hint = SEP_HINT.match(sample.lstrip("\ufeff"))
    if delimiter is not None:
        return TextFormat(chosen.name, parse_delimiter(delimiter), 1 if hint else 0)
    if hint:
        return TextFormat(chosen.name, hint.group(1), 1)
    preferred = "\t" if path.suffix.lower() in (".tsv", ".txt") else ","
    return TextFormat(chosen.name, sniff_delimiter(sample, preferred))


def parse_delimiter(text: str) -> str:
    """Return the one-character delimiter named by ``--delimiter`` (a character or a name)."""
    value = DELIMITER_NAMES.get(text.strip().lower(), text)
    if len(value) != 1:
        raise UsageError(
            f"--delimiter '{text}' must be one character or one of: "
            f"{', '.join(DELIMITER_NAMES)}; e.g. --delimiter ';' or --delimiter tab."
        )
    return value


def _checked_encoding(path: Path, head: bytes, encoding: str | None) -> Encoding:
    if encoding is None:
        detected = detect_encoding(path, head)
        if detected.name != "utf-8" and detected.note is None:
            # A byte order mark or a UTF-16 pattern decided it; the rest was not checked yet.
            _check_decodes(path, detected.name)
        return detected
    name = _text_encoding(encoding)
    _check_decodes(path, name)
    return Encoding(name)


def _text_encoding(encoding: str) -> str:
    """Return the codec name of ``--encoding``; raise unless it names a text encoding."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise UsageError(
            f"--encoding '{encoding}' is not a known encoding; use e.g. utf-8, cp1252 or utf-16."
        ) from exc
    try:
        # Only a text encoding opens a text stream: rot13, base64, zlib... raise LookupError.
        io.TextIOWrapper(io.BytesIO(), encoding=name)
    except LookupError as exc:
        raise UsageError(
            f"--encoding '{encoding}' is not a text encoding; use e.g. utf-8, cp1252 or utf-16."
        ) from exc
    return name


def _check_decodes(path: Path, encoding: str) -> None:
    error = first_decode_error(path, encoding)
    if error is not None:
        raise InputFileError(
            path,
            f"not valid {ENCODING_LABELS.get(encoding, encoding)} text ({error}); "
            f"{encoding_hint(encoding)}.",
        )


def encoding_hint(encoding: str) -> str:
    """Return what to pass when the text is not valid in ``encoding``."""
    if encoding in BOM_ENCODINGS:
        label = ENCODING_LABELS[encoding]
        return (
            f"pass --encoding {encoding}-le or {encoding}-be for {label} text without a byte "
            "order mark, or the right encoding (e.g. utf-8 or cp1252)"
        )
    return "pass --encoding with the right encoding (e.g. utf-8, cp1252 or utf-16)"


def _reject_non_tabular(path: Path, sample: str) -> None:
    """Raise for a web page, an XML document or binary data that passed for text."""
    start = sample.lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<head", "<body")):
        raise InputFileError(
            path,
            "this is an HTML page (often what a web export saves as .xls), not a "
            "spreadsheet; open it in Excel and save it as .xlsx, or export it again as .csv.",
        )
    if start.startswith("<?xml"):
        description = (
            "an Excel 2003 XML spreadsheet"
            if "urn:schemas-microsoft-com:office:spreadsheet" in sample
            else "an XML document"
        )
        raise InputFileError(
            path,
            f"this is {description}, not a CSV file or workbook; open it in Excel and save "
            "it as .xlsx.",
        )
    controls = sum(1 for char in sample if char < " " and char not in "\t\n\r\x0b\x0c\x00")
    if controls > 0.05 * len(sample):
        raise InputFileError(path, f"this is binary data, not a spreadsheet; {EXPORT_HINT}.")


def sniff_delimiter(sample: str, preferred: str) -> str:
    """Return the delimiter that splits the sample's records into the most consistent columns.

    Each candidate is scored by its most common field count times the share of records
    with that count. So a title line or a ragged row does not change the verdict, and a
    comma used as a decimal separator loses to the semicolon between the fields.
    """
    cut = sample.rfind("\n")
    lines = sample[: cut + 1] if cut > 0 else sample
    best: tuple[float, str] | None = None
    candidates = (preferred, *(d for d in DELIMITERS if d != preferred))
    for delimiter in candidates:
        score = _delimiter_score(lines, delimiter)
        if score > 0 and (best is None or score > best[0]):
            best = (score, delimiter)
    return best[1] if best else preferred


def _delimiter_score(lines: str, delimiter: str) -> float:
    try:
        records = csv.reader(io.StringIO(lines, newline=""), delimiter=delimiter)
        counts = [len(record) for record in records if any(cell.strip() for cell in record)]
    except csv.Error:
        return 0.0
    if not counts:
        return 0.0
    width, frequency = Counter(counts).most_common(1)[0]
    share = frequency / len(counts)
    if width < 2 or share < 0.5:
        return 0.0
    return width * share


def text_rows(path: Path, text: TextFormat) -> Generator[RawRow, None, None]:
    """Yield every record of the file, blank lines included, with its row number."""
    number = -text.skip_lines
    try:
        with path.open(encoding=text.encoding, newline="", errors="strict") as handle:
            for record in csv.reader(handle, delimiter=text.delimiter, strict=False):
                number += 1
                if number > 0:
                    yield RawRow(number, record, len(record))
    except csv.Error as exc:
        raise InputFileError(path, _csv_error_message(number + 1, exc)) from exc
    except UnicodeError as exc:
        label = ENCODING_LABELS.get(text.encoding, text.encoding)
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise InputFileError(
            path,
            f"row {number + 1} is not valid {label} text ({reason}); "
            f"{encoding_hint(text.encoding)}.",
        ) from exc
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror or exc}).") from exc


def _csv_error_message(number: int, exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"row {number} has a cell longer than {csv.field_size_limit():,} characters, "
            'which usually means a quote (") that is never closed; check the quotes on '
            "that row and the rows above it."
        )
    return f"row {number} cannot be read as delimited text ({exc})."
