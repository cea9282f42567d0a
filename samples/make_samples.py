"""Write the sample fleet files; run ``python samples/make_samples.py`` to rebuild them.

The rows are made up. Each file has a few rows with deliberate faults, listed in
samples/README.md, so that the demo shows every verdict.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
MAKES = [
    "Ford",
    "Toyota",
    "Chevrolet",
    "Honda",
    "Dodge",
    "GMC",
    "Nissan",
    "Hyundai",
    "Kia",
    "Subaru",
]
MODELS = [
    "Transit",
    "Corolla",
    "Silverado",
    "Civic",
    "Caravan",
    "Sierra",
    "Leaf",
    "Elantra",
    "Soul",
]
COLOURS = ["White", "Black", "Silver", "Blue", "Red", "Grey"]
PROVINCES = ["ON", "Ontario", "QC", "Québec", "BC", "AB", "MB", "NS", "NY", "MI"]


def make_vin(rng: random.Random) -> str:
    chars = [rng.choice(VIN_CHARS) for _ in range(17)]
    total = sum(VIN_VALUES[c] * w for c, w in zip(chars, VIN_WEIGHTS, strict=True))
    chars[8] = "X" if total % 11 == 10 else str(total % 11)
    return "".join(chars)


def make_plate(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(4))
    return f"{letters}{rng.randint(100, 999)}"


def campus_rows(rng: random.Random) -> list[list[str]]:
    rows = []
    for number in range(1, 37):
        make = rng.choice(MAKES)
        rows.append(
            [
                f"P-{number:04d}",
                make_plate(rng),
                rng.choice(PROVINCES),
                make,
                rng.choice(MODELS),
                rng.choice(COLOURS),
                str(rng.randint(2008, 2025)),
                make_vin(rng),
                rng.choice(["Facilities", "Campus Police", "Athletics", "Library"]),
            ]
        )
    rows[4][1] = ""  # deliberate: no plate
    rows[11][2] = ""  # deliberate: no province
    rows[19][1] = "TEMPORARY PERMIT PLATE AWAITING REGISTRATION FROM MTO OFFICE"  # over 50
    rows[27] = ["P-0028", *rows[3][1:]]  # deliberate: the vehicle of row 5 again
    return rows


def write_campus(path: Path) -> None:
    rng = random.Random(2026)
    header = [
        "Permit #",
        "Licence Plate",
        "Province/State",
        "Make",
        "Model",
        "Colour",
        "Year",
        "VIN",
        "Department",
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(campus_rows(rng))


def write_hospital(path: Path) -> None:
    rng = random.Random(1867)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Fleet"
    sheet.append(
        [
            "Unit No",
            "Plate",
            "Plate Type",
            "State",
            "Make",
            "Body Type",
            "Color",
            "Model Year",
            "VIN",
        ]
    )
    for number in range(1, 35):
        plate: object = make_plate(rng) if number % 5 else rng.randint(100000, 999999)
        sheet.append(
            [
                f"{number:05d}",
                plate,
                rng.choice(["Passenger", "Commercial", "Passenger", "Ambulance"]),
                rng.choice(["ON", "ON", "QC", "NY"]),
                rng.choice(MAKES),
                rng.choice(["Van", "SUV", "Pickup", "Sedan"]),
                rng.choice(COLOURS),
                rng.randint(2010, 2025),
                make_vin(rng),
            ]
        )
    sheet["C8"] = None  # deliberate: no plate type
    sheet["B15"] = None  # deliberate: no plate
    sheet["D22"] = None  # deliberate: no state
    workbook.save(path)


if __name__ == "__main__":
    write_campus(HERE / "campus_fleet.csv")
    write_hospital(HERE / "hospital_fleet.xlsx")
