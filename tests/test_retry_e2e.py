"""End to end: a run with failures, an admin's edits to the workbook, then ``retry``.

Everything goes through the command line and the bundled fake server on 127.0.0.1; what the
server received is read back from its ``GET /_fake/requests`` log.
"""

from __future__ import annotations

import csv
import shlex
from collections import Counter
from pathlib import Path

import httpx
import openpyxl
import pytest

from importer import cli
from importer.fake_faults import Faults
from importer.fake_server import (
    DEMO_CLIENT_CODE,
    DEMO_TOKEN,
    FakeState,
    RunningServer,
    running_server,
)

HEADERS = ["Unit", "Plate", "Prov", "Make", "Note"]
NOTES = ['=HYPERLINK("http://example.invalid","x")', "+1", "-2", "@SUM(A1)"]
PROFILE = "fields:\n  plate: Plate\n  plateType: {value: Passenger}\n  prov: Prov\n  make: Make\n"
FINISHED = {"pushed", "exists"}


def fleet_rows() -> list[list[str]]:
    rows = [[f"U-{n:02d}", f"RT{n:04d}", "ON", "Ford", NOTES[n % 4]] for n in range(1, 13)]
    rows[1][2] = "Ontari0"  # Row 3: a province no one can read
    rows[2][1] = ""  # Row 4: no plate
    rows.append(["U-13", "00123", "QC", "Honda", ""])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


@pytest.fixture
def faulty_server() -> RunningServer:
    """The fake server failing half of the requests, seeded so that the same rows fail."""
    with running_server(FakeState(faults=Faults(fail_rate=0.5, seed=3))) as server:
        yield server


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPSCOM_BASE_URL", "OPSCOM_CLIENT_CODE", "OPSCOM_API_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPSCOM_API_TOKEN", DEMO_TOKEN)


def target_args(server: RunningServer, tmp_path: Path) -> list[str]:
    return [
        "--base-url",
        server.base_url,
        "--client-code",
        DEMO_CLIENT_CODE,
        "--state-dir",
        str(tmp_path / "state"),
    ]


def requests_log(server: RunningServer) -> list[dict[str, object]]:
    answer = httpx.get(f"{server.base_url}/_fake/requests", timeout=10)
    log: list[dict[str, object]] = answer.json()
    return log


def sent_plates(entries: list[dict[str, object]]) -> Counter[str]:
    return Counter(str(entry["payload"]["plate"]) for entry in entries)  # type: ignore[index]


def sheet_rows(path: Path) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path)["Results"]
    header = [cell.value for cell in sheet[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]


def summary_value(path: Path, label: str) -> object:
    sheet = openpyxl.load_workbook(path)["Summary"]
    return next(row[1].value for row in sheet.iter_rows(min_row=2) if row[0].value == label)


def admin_edit(path: Path, fixes: dict[int, dict[str, str]]) -> None:
    """Fix cells by Row value and sort the sheet by plate, Z to A, keeping text cells text."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Results"]
    header = [cell.value for cell in sheet[1]]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    for row in rows:
        for title, value in fixes.get(int(str(row[0])), {}).items():
            row[header.index(title)] = value
    rows.sort(key=lambda row: str(row[header.index("Plate")] or ""), reverse=True)
    for line, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(line, index)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    workbook.save(path)


def first_run(tmp_path: Path, server: RunningServer) -> Path:
    source = write_csv(tmp_path / "fleet.csv", HEADERS, fleet_rows())
    profile = tmp_path / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    arguments = ["run", str(source), "-m", str(profile), "--max-attempts", "2"]
    assert cli.main([*arguments, *target_args(server, tmp_path)]) == 1
    return tmp_path / "fleet.results.xlsx"


def test_retry_sends_only_unfinished(
    tmp_path: Path, faulty_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    results = first_run(tmp_path, faulty_server)
    before = {row["Row"]: row for row in sheet_rows(results)}
    failed = [row for row in before.values() if row["Status"] == "failed"]
    assert len(failed) > 0
    assert len([row for row in before.values() if row["Status"] == "pushed"]) > 0
    assert (before[3]["Status"], before[4]["Status"]) == ("invalid", "invalid")

    admin_edit(results, {3: {"Prov": "ON"}, 4: {"Plate": "RT0003"}})
    faulty_server.state.faults = Faults()
    already_sent = len(requests_log(faulty_server))
    command = str(summary_value(results, "Reprocess command"))
    capsys.readouterr()

    code = cli.main(shlex.split(command)[1:])

    assert code == 0
    unfinished = [row for row in before.values() if row["Status"] not in FINISHED]
    expected = Counter("RT0003" if row["Row"] == 4 else str(row["Plate"]) for row in unfinished)
    assert sent_plates(requests_log(faulty_server)[already_sent:]) == expected
    retried = tmp_path / "fleet.results.retry-1.xlsx"
    assert capsys.readouterr().out.splitlines() == [
        f"Retried {len(unfinished)} of the 13 rows of fleet.results.xlsx; "
        f"{13 - len(unfinished)} already in OPS-COM were not sent.",
        f"13 rows: 13 pushed. Results: {retried}",
    ]
    after = sheet_rows(retried)
    assert [row["Row"] for row in after] == list(range(2, 15))
    assert {row["Status"] for row in after} == {"pushed"}
    assert after[1]["Prov"] == "ON"
    assert after[2]["Plate"] == "RT0003"
    assert [row["Note"] for row in after[:4]] == [NOTES[1], NOTES[2], NOTES[3], NOTES[0]]
    assert after[12]["Plate"] == "00123"
    for row in after:
        if before[row["Row"]]["Status"] == "pushed":
            assert row["Finished at"] == before[row["Row"]]["Finished at"]
    assert len(faulty_server.state.vehicles) == 13


def test_retry_command_names_state_dir(tmp_path: Path, faulty_server: RunningServer) -> None:
    results = first_run(tmp_path, faulty_server)
    faulty_server.state.faults = Faults()
    state = f"--state-dir {tmp_path / 'state'}"
    expected = f"--base-url {faulty_server.base_url} --client-code {DEMO_CLIENT_CODE} {state}"
    first_command = str(summary_value(results, "Reprocess command"))
    assert first_command == f"opscom-import retry {results} {expected}"
    assert cli.main(shlex.split(first_command)[1:]) == 1
    retried = tmp_path / "fleet.results.retry-1.xlsx"
    assert (
        summary_value(retried, "Reprocess command") == f"opscom-import retry {retried} {expected}"
    )


def test_rerun_after_retry_sends_nothing(tmp_path: Path, faulty_server: RunningServer) -> None:
    results = first_run(tmp_path, faulty_server)
    failed = [row["Row"] for row in sheet_rows(results) if row["Status"] == "failed"]
    assert len(failed) > 0
    faulty_server.state.faults = Faults()
    assert cli.main(shlex.split(str(summary_value(results, "Reprocess command")))[1:]) == 1
    already_sent = len(requests_log(faulty_server))
    again = tmp_path / "again.results.xlsx"
    arguments = ["run", str(tmp_path / "fleet.csv"), "-m", str(tmp_path / "fleet.yaml")]

    code = cli.main([*arguments, "--results", str(again), *target_args(faulty_server, tmp_path)])

    assert code == 1  # rows 3 and 4 of the file are still invalid
    assert requests_log(faulty_server)[already_sent:] == []
    statuses = {row["Row"]: row["Status"] for row in sheet_rows(again)}
    assert [statuses[number] for number in failed] == ["unchanged"] * len(failed)


def test_retry_workbook_has_no_formula(tmp_path: Path, faulty_server: RunningServer) -> None:
    results = first_run(tmp_path, faulty_server)
    faulty_server.state.faults = Faults()
    cli.main(["retry", str(results), *target_args(faulty_server, tmp_path)])
    sheet = openpyxl.load_workbook(tmp_path / "fleet.results.retry-1.xlsx")["Results"]
    notes = [sheet.cell(line, 6) for line in range(2, 6)]
    assert [cell.value for cell in notes] == [NOTES[1], NOTES[2], NOTES[3], NOTES[0]]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row} <= {"s", "n"}


def test_retry_keeps_first_results(tmp_path: Path, faulty_server: RunningServer) -> None:
    results = first_run(tmp_path, faulty_server)
    statuses = [row["Status"] for row in sheet_rows(results)]
    faulty_server.state.faults = Faults()
    cli.main(["retry", str(results), *target_args(faulty_server, tmp_path)])
    assert [row["Status"] for row in sheet_rows(results)] == statuses


def test_retry_in_place_skips_deleted_row(tmp_path: Path, faulty_server: RunningServer) -> None:
    results = first_run(tmp_path, faulty_server)
    workbook = openpyxl.load_workbook(results)
    sheet = workbook["Results"]
    deleted = next(line for line in range(2, 15) if sheet.cell(line, 7).value == "failed")
    deleted_plate = sheet.cell(deleted, 3).value
    sheet.delete_rows(deleted)
    workbook.save(results)
    faulty_server.state.faults = Faults()
    already_sent = len(requests_log(faulty_server))

    code = cli.main(["retry", str(results), "--in-place", *target_args(faulty_server, tmp_path)])

    assert code == 1  # the two invalid rows are still invalid
    assert deleted_plate not in sent_plates(requests_log(faulty_server)[already_sent:])
    assert len(sheet_rows(results)) == 12
    assert not (tmp_path / "fleet.results.retry-1.xlsx").exists()
    notes = [
        row[1].value
        for row in openpyxl.load_workbook(results)["Summary"].iter_rows(min_row=2)
        if row[0].value == "Note"
    ]
    assert (
        "1 of the 13 rows its Summary counts are no longer in fleet.results.xlsx, so they "
        "are not in these results." in notes
    )


def test_retry_nothing_left(
    tmp_path: Path, fake_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [row for row in fleet_rows() if row[1] and row[2] in ("ON", "QC")]
    source = write_csv(tmp_path / "fleet.csv", HEADERS, rows)
    profile = tmp_path / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    assert (
        cli.main(["run", str(source), "-m", str(profile), *target_args(fake_server, tmp_path)]) == 0
    )
    capsys.readouterr()
    results = tmp_path / "fleet.results.xlsx"
    assert cli.main(["retry", str(results)]) == 0
    assert capsys.readouterr().out == (
        f"Nothing to retry: all {len(rows)} rows of {results} are in OPS-COM.\n"
    )
    assert not (tmp_path / "fleet.results.retry-1.xlsx").exists()


def test_retry_nothing_left_logged(tmp_path: Path, fake_server: RunningServer) -> None:
    rows = [row for row in fleet_rows() if row[1] and row[2] in ("ON", "QC")]
    source = write_csv(tmp_path / "fleet.csv", HEADERS, rows)
    profile = tmp_path / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    assert (
        cli.main(["run", str(source), "-m", str(profile), *target_args(fake_server, tmp_path)]) == 0
    )
    results = tmp_path / "fleet.results.xlsx"
    log_file = tmp_path / "retry.log"

    assert cli.main(["retry", str(results), "--log-file", str(log_file)]) == 0

    context = f" [file={results} target=(nothing to send)]"
    lines = [line.split(" ", 2)[2] for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        f"INFO importer.logs: import started: opscom-import retry {results} --log-file "
        f"{log_file}{context}",
        f"INFO importer.commands.retry: nothing to retry: all {len(rows)} rows of {results} "
        f"are in OPS-COM{context}",
    ]


def test_retry_csv_automatic_matching(tmp_path: Path, fake_server: RunningServer) -> None:
    headers = ["Licence Plate", "Province", "Make"]
    rows = [["AUTO1", "ON", "Ford"], ["", "QC", "GMC"], ["AUTO3", "BC", "Kia"]]
    source = write_csv(tmp_path / "auto.csv", headers, rows)
    arguments = ["run", str(source), "--set", "plateType=Truck", "--results-format", "csv"]
    assert cli.main([*arguments, *target_args(fake_server, tmp_path)]) == 1
    results = tmp_path / "auto.results.csv"
    with results.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    table[2][1] = "AUTO2"
    with results.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(table)
    already_sent = len(requests_log(fake_server))

    assert cli.main(["retry", str(results), *target_args(fake_server, tmp_path)]) == 0

    payloads = [entry["payload"] for entry in requests_log(fake_server)[already_sent:]]
    assert payloads == [{"plate": "AUTO2", "plateType": "Truck", "prov": "QC", "make": "GMC"}]
    with (tmp_path / "auto.results.retry-1.csv").open(encoding="utf-8-sig") as handle:
        statuses = [row[4] for row in csv.reader(handle)]
    assert statuses == ["Status", "pushed", "pushed", "pushed"]


def csv_run_french_excel(tmp_path: Path, server: RunningServer) -> Path:
    """Run a CSV, then fix row 3 and save its results as French Excel does: cp1252 and ';'."""
    headers = ["Plaque", "Province", "Marque"]
    rows = [["FRX1", "Québec", "Ford"], ["", "QC", "Citroën"]]
    source = write_csv(tmp_path / "flotte.csv", headers, rows)
    arguments = ["run", str(source), "--set", "plateType=Truck", "--results-format", "csv"]
    assert cli.main([*arguments, *target_args(server, tmp_path)]) == 1
    results = tmp_path / "flotte.results.csv"
    with results.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    table[2][1] = "FRX2"
    with results.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(table)
    return results


@pytest.mark.parametrize("options", [[], ["--encoding", "cp1252", "--delimiter", ";"]])
def test_retry_csv_french_excel(
    tmp_path: Path, fake_server: RunningServer, options: list[str]
) -> None:
    results = csv_run_french_excel(tmp_path, fake_server)
    already_sent = len(requests_log(fake_server))

    code = cli.main(["retry", str(results), *options, *target_args(fake_server, tmp_path)])

    assert code == 0
    payloads = [entry["payload"] for entry in requests_log(fake_server)[already_sent:]]
    assert payloads == [{"plate": "FRX2", "plateType": "Truck", "prov": "QC", "make": "Citroën"}]


def test_retry_mapping_option(tmp_path: Path, faulty_server: RunningServer) -> None:
    results = first_run(tmp_path, faulty_server)
    other = tmp_path / "bus.yaml"
    other.write_text(PROFILE.replace("Passenger", "Bus"), encoding="utf-8")
    faulty_server.state.faults = Faults()
    already_sent = len(requests_log(faulty_server))
    arguments = ["retry", str(results), "--mapping", str(other)]
    cli.main([*arguments, *target_args(faulty_server, tmp_path)])
    sent = requests_log(faulty_server)[already_sent:]
    assert {entry["payload"]["plateType"] for entry in sent} == {"Bus"}  # type: ignore[index]


def test_retry_without_summary_or_mapping(
    tmp_path: Path, fake_server: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "bare.results.csv"
    header = ["Row", "Plate", "Status", "Errors", "Warnings", "Attempts", "HTTP status"]
    write_csv(results, [*header, "Finished at"], [["2", "ABC", "failed", "", "", "", "", ""]])
    code = cli.main(["retry", str(results), *target_args(fake_server, tmp_path)])
    assert code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: {results}: no Summary, so the mapping of the first run is unknown; pass "
        "--mapping PATH."
    )


def test_retry_not_results_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "fleet.csv", HEADERS, fleet_rows())
    assert cli.main(["retry", str(source)]) == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .startswith(f"error: {source}: the Results header must start with 'Row'")
    )


def test_retry_in_place_and_results_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["retry", "r.xlsx", "--in-place", "--results", "x.xlsx"])
    assert caught.value.code == 2
    assert "argument --results: not allowed with argument --in-place" in capsys.readouterr().err
