"""Write realistic fleet files for the benchmarks: CSV and XLSX, with a few faulty rows.

    python benchmarks/generate.py 100000 --format csv --format xlsx --out benchmarks/data

The rows look like a Canadian fleet export. Plates follow the local formats (``ABCD 123``,
``123 ABC``, ``AB1 23C``, ``ABC-1234``...), and provinces and states are spelled several
ways (``ON``, ``Ontario``, ``ont.``, ``Québec``, ``QC``, ``PQ``...). Makes, models, colours
and model years vary, and VINs carry a valid check digit. About 2% of the rows are faulty
in the ways real exports are:
no plate, no province, an unknown province, a plate over 50 characters, a typo in the year, a
VIN of the wrong length, or a vehicle listed twice. The same seed always gives the same file.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openpyxl import Workbook

HEADERS = (
    "Unit #",
    "Licence Plate",
    "Province",
    "Plate Type",
    "Make",
    "Model",
    "Colour",
    "Year",
    "VIN",
    "Department",
)

#: The mapping profile that fits ``HEADERS``; the benchmarks pass it to ``--mapping``.
PROFILE_PATH = Path(__file__).with_name("fleet.yaml")

#: Spellings of each province or state, as fleet exports write them, and how common each
#: jurisdiction is. Ontario dominates, as in a fleet based there.
JURISDICTIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (40, ("ON", "Ontario", "ont.", "Ont", "ONTARIO", "on")),
    (20, ("QC", "Québec", "Quebec", "PQ", "Qué.", "qc")),
    (8, ("BC", "B.C.", "British Columbia")),
    (8, ("AB", "Alberta", "Alta.")),
    (4, ("MB", "Manitoba", "Man.")),
    (4, ("NS", "Nova Scotia", "N.S.")),
    (3, ("NB", "New Brunswick")),
    (6, ("NY", "New York", "N.Y.")),
    (4, ("MI", "Michigan", "Mich.")),
    (3, ("VT", "Vermont")),
)
PLATE_TYPES = ((85, "Passenger"), (10, "Commercial"), (4, "Motorcycle"), (1, "Trailer"))
MAKES_MODELS = {
    "Ford": ("F-150", "Transit", "Escape", "Explorer", "Ranger"),
    "Toyota": ("Corolla", "RAV4", "Camry", "Tacoma", "Prius"),
    "Chevrolet": ("Silverado", "Equinox", "Express", "Malibu"),
    "Honda": ("Civic", "CR-V", "Accord", "Odyssey"),
    "Dodge": ("Grand Caravan", "Ram 1500", "Charger"),
    "GMC": ("Sierra", "Savana", "Terrain"),
    "Nissan": ("Leaf", "Rogue", "Frontier"),
    "Hyundai": ("Elantra", "Tucson", "Kona"),
    "Kia": ("Soul", "Niro", "Sorento"),
    "Subaru": ("Outback", "Forester", "Crosstrek"),
    "Tesla": ("Model 3", "Model Y"),
    "Harley-Davidson": ("Sportster", "Street Glide"),
}
COLOURS = ("White", "Black", "Silver", "Grey", "Blue", "Red", "Green", "Beige", "Orange")
DEPARTMENTS = (
    "Facilities",
    "Security",
    "Parking Services",
    "Grounds",
    "Athletics",
    "Library",
    "Research",
    "Transit",
)

#: Faulty-row kinds and their share of all rows, in percent; together about 2%.
FAULTS: tuple[tuple[str, float], ...] = (
    ("missing-plate", 0.5),
    ("missing-province", 0.4),
    ("unknown-province", 0.2),
    ("long-plate", 0.1),
    ("bad-year", 0.3),
    ("bad-vin", 0.3),
    ("duplicate", 0.2),
)

PLATE_LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
#: Plate formats by jurisdiction with their shares: ``L`` is a letter, ``9`` a digit.
PLATE_PATTERNS: dict[str, tuple[tuple[float, str], ...]] = {
    "ON": ((0.85, "LLLL 999"), (0.15, "LLL 999")),
    "QC": ((0.6, "999 LLL"), (0.4, "L99 LLL")),
    "BC": ((1.0, "LL9 99L"),),
    "AB": ((1.0, "LLL-9999"),),
    "NY": ((1.0, "LLL-9999"),),
    "MB": ((1.0, "LLL 999"),),
    "MI": ((1.0, "LLL 9999"),),
    "other": ((0.15, "9999999"), (0.85, "LLL 999")),
}
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_VALUES = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}


@dataclass(slots=True)
class Manifest:
    """Contents of a generated file: its size, seed, and the number of rows of each fault kind."""

    rows: int
    seed: int
    clean: bool
    faults: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> str:
        document = {
            "rows": self.rows,
            "seed": self.seed,
            "clean": self.clean,
            "faults": dict(sorted(self.faults.items())),
        }
        return json.dumps(document, indent=2)


class FleetGenerator:
    """Make rows of a fleet file from a seeded random generator; iterate ``rows`` once."""

    def __init__(self, rows: int, *, seed: int = 2024, clean: bool = False) -> None:
        self.size = rows
        self.manifest = Manifest(rows, seed, clean)
        self._rng = random.Random(seed)
        self._clean = clean
        self._plates: set[str] = set()
        self._recent: list[list[object]] = []
        self._jurisdictions = [spellings for _, spellings in JURISDICTIONS]
        self._jurisdiction_weights = [weight for weight, _ in JURISDICTIONS]
        self._makes = list(MAKES_MODELS)

    def rows(self) -> Iterator[list[object]]:
        """Yield each data row; ``Year`` is an int and every other cell a string."""
        for number in range(1, self.size + 1):
            row = self._vehicle(number)
            fault = self._pick_fault()
            if fault is not None:
                row = self._apply_fault(fault, row)
                self.manifest.faults[fault] += 1
            if len(self._recent) < 64:
                self._recent.append(row)
            yield row

    def _vehicle(self, number: int) -> list[object]:
        rng = self._rng
        spellings = rng.choices(self._jurisdictions, self._jurisdiction_weights)[0]
        make = rng.choice(self._makes)
        plate_type = rng.choices(PLATE_TYPES, [w for w, _ in PLATE_TYPES])[0][1]
        if make == "Harley-Davidson":
            plate_type = "Motorcycle"
        return [
            f"FL-{number:07d}",
            self._unique_plate(spellings[0]),
            rng.choice(spellings),
            plate_type,
            make,
            rng.choice(MAKES_MODELS[make]),
            rng.choice(COLOURS),
            rng.randint(2006, 2025),
            make_vin(rng),
            rng.choice(DEPARTMENTS),
        ]

    def _unique_plate(self, jurisdiction: str) -> str:
        while True:
            plate = make_plate(self._rng, jurisdiction)
            key = plate.replace(" ", "").replace("-", "").upper()
            if key not in self._plates:
                self._plates.add(key)
                return plate

    def _pick_fault(self) -> str | None:
        if self._clean:
            return None
        draw = self._rng.random() * 100
        for kind, share in FAULTS:
            draw -= share
            if draw < 0:
                return kind
        return None

    def _apply_fault(self, kind: str, row: list[object]) -> list[object]:
        rng = self._rng
        if kind == "missing-plate":
            row[1] = ""
        elif kind == "missing-province":
            row[2] = ""
        elif kind == "unknown-province":
            row[2] = rng.choice(("Not Available", "ZZ", "Ontaria", "XX"))
        elif kind == "long-plate":
            row[1] = f"{row[1]} - SEE ATTACHED REGISTRATION LIST FOR THIS UNIT (TEMPORARY)"
        elif kind == "bad-year":
            row[7] = rng.choice(("20O9", "19", "2105", "n/a"))
        elif kind == "bad-vin":
            vin = str(row[8])
            row[8] = vin[: rng.randint(8, 16)] if rng.random() < 0.7 else vin + "X7"
        elif kind == "duplicate" and self._recent:
            twin = rng.choice(self._recent)
            row = [row[0], *twin[1:]]
        return row


def make_plate(rng: random.Random, jurisdiction: str) -> str:
    """Return a plate in one of the formats used in ``jurisdiction`` (its postal code)."""
    patterns = PLATE_PATTERNS.get(jurisdiction, PLATE_PATTERNS["other"])
    pattern = rng.choices([text for _, text in patterns], [share for share, _ in patterns])[0]
    return "".join(
        rng.choice(PLATE_LETTERS)
        if char == "L"
        else str(rng.randint(0, 9))
        if char == "9"
        else char
        for char in pattern
    )


def make_vin(rng: random.Random) -> str:
    """Return a 17-character VIN whose ninth character is a valid check digit."""
    chars = [rng.choice(VIN_CHARS) for _ in range(17)]
    total = sum(VIN_VALUES[char] * weight for char, weight in zip(chars, VIN_WEIGHTS, strict=True))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


def write_csv(path: Path, generator: FleetGenerator) -> Manifest:
    """Write the generator's rows as UTF-8 CSV with a header row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(generator.rows())
    return generator.manifest


def write_xlsx(path: Path, generator: FleetGenerator) -> Manifest:
    """Write the generator's rows to the ``Fleet`` sheet of a workbook, years as numbers.

    All-digit plates are written as numbers too, as a spreadsheet stores them after a user
    types them, so the reader's number-to-text conversion is part of the measurement.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Fleet")
    sheet.append(HEADERS)
    for row in generator.rows():
        plate = row[1]
        if isinstance(plate, str) and plate.isdigit():
            row[1] = int(plate)
        sheet.append(row)
    workbook.save(path)
    return generator.manifest


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def manifest_path_for(path: Path) -> Path:
    """Return the path of the JSON manifest written beside a generated file."""
    return path.with_name(path.name + ".json")


def fleet_file(folder: Path, rows: int, file_format: str, *, clean: bool = False) -> Path:
    """Return the path of a generated file, writing it (and its manifest) unless present.

    A file is reused only when its manifest matches the size, seed and cleanliness, so an
    interrupted write (no manifest yet) is written again.
    """
    path = folder / f"fleet_{rows}{'_clean' if clean else ''}.{file_format}"
    manifest_path = manifest_path_for(path)
    generator = FleetGenerator(rows, clean=clean)
    if path.is_file() and manifest_path.is_file():
        stored = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = json.loads(generator.manifest.to_json())
        if all(stored.get(key) == expected[key] for key in ("rows", "seed", "clean")):
            return path
    manifest_path.unlink(missing_ok=True)
    manifest = WRITERS[file_format](path, generator)
    manifest_path.write_text(manifest.to_json(), encoding="utf-8")
    return path


def payloads_file(folder: Path, rows: int) -> Path:
    """Return a JSON-lines file of the vehicles of the clean file of ``rows`` rows.

    Each line is the payload that the mapping profile makes of a row, with the values as
    written in the file. The importer may clean some of them up before sending.
    """
    path = folder / f"fleet_{rows}_clean.payloads.jsonl"
    if path.is_file():
        return path
    fields = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))["fields"]
    columns = {name: HEADERS.index(column) for name, column in fields.items()}
    lines = []
    for row in FleetGenerator(rows, clean=True).rows():
        payload = {name: str(row[index]) for name, index in columns.items() if row[index] != ""}
        lines.append(json.dumps(payload) + "\n")
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(lines), encoding="utf-8")
    partial.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write realistic fleet files for the benchmarks.")
    parser.add_argument("rows", type=int, nargs="+", help="data rows per file, e.g. 10000 100000")
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=sorted(WRITERS),
        help="file format (repeatable; default: csv and xlsx)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).with_name("data"),
        help="output folder (default: benchmarks/data)",
    )
    parser.add_argument(
        "--clean", action="store_true", help="write no faulty rows (every row is valid and unique)"
    )
    args = parser.parse_args(argv)
    for rows in args.rows:
        for file_format in args.formats or sorted(WRITERS):
            path = fleet_file(args.out, rows, file_format, clean=args.clean)
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
