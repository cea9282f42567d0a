"""Find rows that list a vehicle an earlier row of the same file already lists.

OPS-COM identifies a vehicle by plate, province or state, and plate type. Two rows with the
same three normalised values are the same vehicle: the later one is ``duplicate`` and is not
sent, so that no row of this run is rejected as "already exists" because of an earlier row.

Only rows that will be sent are remembered. When the earlier row is invalid, the later one is
sent in its place. Values are compared exactly as sent, so ``Passenger`` and ``passenger``
are different plate types: wrongly holding back a row would lose a vehicle, while a missed
duplicate only costs a request that the server answers with "already exists".
"""

from __future__ import annotations

from importer.records import Payload
from importer.validation.verdict import Places, Verdict, shown

#: The plate, then the field and value of the province and of the plate type.
VehicleKey = tuple[str, str, str, str, str]


def vehicle_key(payload: Payload) -> VehicleKey:
    """Return what identifies the vehicle in ``payload``; a name and an ID never compare equal."""
    province = "prov" if "prov" in payload else "provID"
    plate_type = "plateType" if "plateType" in payload else "plateTypeID"
    return (
        payload["plate"],
        province,
        payload[province],
        plate_type,
        payload[plate_type],
    )


class DuplicateFinder:
    """Remember the first row of each vehicle and mark the rows that repeat it.

    Memory grows by one small entry per valid row.
    """

    def __init__(self) -> None:
        self._first_rows: dict[VehicleKey, int] = {}

    def check(self, verdict: Verdict, places: Places) -> None:
        """Mark ``verdict`` as a duplicate of an earlier row, or remember it if it is new.

        Call it only for a row without errors, so that its required fields are present.
        """
        key = vehicle_key(verdict.payload)
        number = verdict.row.source.number
        first = self._first_rows.setdefault(key, number)
        if first == number:
            return
        verdict.duplicate_of = first
        plate, _, province, _, plate_type = key
        shown_values = f"'{shown(plate)}', '{shown(province)}', '{shown(plate_type)}'"
        text = (
            f"same plate, province and plate type as row {first} ({shown_values}); "
            f"only row {first} is sent. Delete one of the two rows, or correct the plate."
        )
        verdict.errors.append(places["plate"].issue("duplicate-vehicle", plate, text))
