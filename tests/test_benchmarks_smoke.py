"""Smoke tests of the benchmark scripts: the generated files, the senders and the parsers.

They use tiny files and assert contents and parsed values only, never timings.
"""

from __future__ import annotations

import asyncio
import csv
import importlib
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import aiohttp
import openpyxl
import pytest
from aiohttp import web

from importer.fake_server import DEMO_TOKEN, RunningServer
from tests.conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a module of benchmarks/, which imports its siblings as top-level modules."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module(name)


@pytest.fixture
def generate(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load("generate", monkeypatch)


@pytest.fixture
def measure(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load("measure", monkeypatch)


@pytest.fixture
def report(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load("report", monkeypatch)


@pytest.fixture
def baseline(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load("baseline_aiohttp", monkeypatch)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


# generate.py -----------------------------------------------------------------------------


def test_generate_csv_header_and_rows(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.fleet_file(tmp_path, 300, "csv")
    rows = read_csv(path)
    assert path.name == "fleet_300.csv"
    assert rows[0] == list(generate.HEADERS)
    assert len(rows) == 301
    assert all(len(row) == len(generate.HEADERS) for row in rows)


def test_generate_manifest_counts_faults(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.fleet_file(tmp_path, 2000, "csv")
    manifest = json.loads(generate.manifest_path_for(path).read_text(encoding="utf-8"))
    empty_plates = sum(1 for row in read_csv(path)[1:] if row[1] == "")
    assert manifest["rows"] == 2000
    assert manifest["clean"] is False
    assert set(manifest["faults"]) <= {kind for kind, _ in generate.FAULTS}
    assert manifest["faults"]["missing-plate"] == empty_plates
    assert 10 <= sum(manifest["faults"].values()) <= 90


def test_generate_same_seed_same_file(generate: ModuleType, tmp_path: Path) -> None:
    first = generate.fleet_file(tmp_path / "a", 200, "csv")
    second = generate.fleet_file(tmp_path / "b", 200, "csv")
    assert first.read_bytes() == second.read_bytes()


def test_generate_reuses_complete_file(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.fleet_file(tmp_path, 50, "csv")
    path.write_text("kept\n", encoding="utf-8")
    assert generate.fleet_file(tmp_path, 50, "csv").read_text(encoding="utf-8") == "kept\n"


def test_generate_rewrites_without_manifest(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.fleet_file(tmp_path, 50, "csv")
    path.write_text("interrupted\n", encoding="utf-8")
    generate.manifest_path_for(path).unlink()
    assert len(read_csv(generate.fleet_file(tmp_path, 50, "csv"))) == 51


def test_generate_clean_rows_valid_unique(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.fleet_file(tmp_path, 1000, "csv", clean=True)
    rows = read_csv(path)[1:]
    plates = [row[1].replace(" ", "").replace("-", "") for row in rows]
    manifest = json.loads(generate.manifest_path_for(path).read_text(encoding="utf-8"))
    assert path.name == "fleet_1000_clean.csv"
    assert manifest["faults"] == {}
    assert len(set(plates)) == 1000
    assert all(row[1] and row[2] and row[3] for row in rows)
    assert all(len(row[8]) == 17 for row in rows)


def test_generate_province_spellings(generate: ModuleType, tmp_path: Path) -> None:
    rows = read_csv(generate.fleet_file(tmp_path, 2000, "csv", clean=True))[1:]
    provinces = {row[2] for row in rows}
    assert {"ON", "Ontario", "ont.", "QC", "Québec"} <= provinces


def test_generate_xlsx_sheet_and_types(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.fleet_file(tmp_path, 120, "xlsx")
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook["Fleet"].iter_rows(values_only=True))
    workbook.close()
    assert workbook.sheetnames == ["Fleet"]
    assert rows[0] == generate.HEADERS
    assert len(rows) == 121
    assert all(isinstance(row[7], int) for row in rows[1:] if str(row[7]).isdigit())


def test_generate_payloads_match_profile(generate: ModuleType, tmp_path: Path) -> None:
    path = generate.payloads_file(tmp_path, 40)
    payloads = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    first_row = read_csv(generate.fleet_file(tmp_path, 40, "csv", clean=True))[1]
    assert len(payloads) == 40
    assert payloads[0]["plate"] == first_row[1]
    assert payloads[0]["prov"] == first_row[2]
    assert set(payloads[0]) == {"plate", "plateType", "prov", "make", "colour", "year", "vin"}


@pytest.mark.parametrize(
    ("jurisdiction", "pattern"),
    [
        ("ON", r"[A-Z]{3,4} \d{3}"),
        ("QC", r"[A-Z0-9]\d\d [A-Z]{3}"),
        ("BC", r"[A-Z]{2}\d \d\d[A-Z]"),
        ("AB", r"[A-Z]{3}-\d{4}"),
    ],
)
def test_make_plate_formats(generate: ModuleType, jurisdiction: str, pattern: str) -> None:
    rng = generate.random.Random(7)
    plates = [generate.make_plate(rng, jurisdiction) for _ in range(50)]
    assert all(re.fullmatch(pattern, plate) for plate in plates)


def test_make_vin_check_digit(generate: ModuleType) -> None:
    rng = generate.random.Random(3)
    for _ in range(20):
        vin = generate.make_vin(rng)
        total = sum(
            generate.VIN_VALUES[char] * weight
            for char, weight in zip(vin, generate.VIN_WEIGHTS, strict=True)
        )
        assert vin[8] == ("X" if total % 11 == 10 else str(total % 11))


# measure.py ------------------------------------------------------------------------------


def test_parse_proc_stat_name_with_spaces(measure: ModuleType) -> None:
    text = "4242 (python (x) y) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 200 300"
    assert measure.parse_proc_stat(text, 100) == 3.0


def test_parse_baseline_report_last_line(measure: ModuleType) -> None:
    stdout = 'warming up\n{"mode": "aiohttp", "sent": 20000, "seconds": 12.5}\n'
    assert measure.parse_baseline_report(stdout) == {
        "mode": "aiohttp",
        "sent": 20000,
        "seconds": 12.5,
    }


def test_parse_baseline_report_empty(measure: ModuleType) -> None:
    with pytest.raises(measure.MeasurementError, match="printed no report"):
        measure.parse_baseline_report("\n")


def test_push_span_seconds(measure: ModuleType) -> None:
    log = [{"time": 10.0}, {"time": 12.5}, {"time": 11.0}]
    assert measure.push_span_seconds(log) == 2.5


def test_push_span_without_times(measure: ModuleType) -> None:
    assert measure.push_span_seconds([{"time": 1.0}, {"status": 200}]) is None


def test_push_span_single_request(measure: ModuleType) -> None:
    assert measure.push_span_seconds([{"time": 1.0}]) is None


def test_run_process_figures(measure: ModuleType) -> None:
    figures = measure.run_process([sys.executable, "-c", "print('hello')"])
    assert figures.exit_code == 0
    assert figures.stdout == "hello\n"
    assert figures.max_rss_bytes > 1_000_000


def test_run_process_failure_message(measure: ModuleType) -> None:
    command = [sys.executable, "-c", "import sys; print('bad row', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(measure.MeasurementError, match=r"exited with code 3:\nbad row"):
        measure.run_process(command)


def test_run_process_accepts_listed_codes(measure: ModuleType) -> None:
    figures = measure.run_process([sys.executable, "-c", "raise SystemExit(1)"], ok_codes=(0, 1))
    assert figures.exit_code == 1


# push_stage.py and context.py ------------------------------------------------------------


def test_push_rate_from_server_span(monkeypatch: pytest.MonkeyPatch) -> None:
    push_stage = load("push_stage", monkeypatch)
    measure = load("measure", monkeypatch)
    process = measure.ProcessFigures(("x",), 0, 20.0, 3.0, 1.0, 10**8, "", "")
    run = push_stage.PushRun(process, requests=1001, span=2.0, server_cpu=0.5)
    assert run.push_rate == 500.0
    assert run.whole_rate == pytest.approx(50.05)
    assert run.cpu_per_row == pytest.approx(4.0 / 1001)
    assert run.server_share == 0.25


def test_push_rate_without_span(monkeypatch: pytest.MonkeyPatch) -> None:
    push_stage = load("push_stage", monkeypatch)
    measure = load("measure", monkeypatch)
    process = measure.ProcessFigures(("x",), 0, 4.0, 1.0, 0.0, 10**8, "", "")
    run = push_stage.PushRun(process, requests=100, span=None, server_cpu=None)
    assert run.push_rate == 25.0
    assert run.server_share is None


def test_capture_payloads_from_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    push_stage = load("push_stage", monkeypatch)
    log = [{"payload": {"plate": "ABCD123"}}, {"payload": {"plate": "XYZ987"}}]
    path = push_stage.capture_payloads(log, tmp_path / "fallback.jsonl", tmp_path)
    assert path.name == "push_2.sent.jsonl"
    assert path.read_text(encoding="utf-8") == '{"plate": "ABCD123"}\n{"plate": "XYZ987"}\n'


def test_capture_payloads_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    push_stage = load("push_stage", monkeypatch)
    fallback = tmp_path / "fallback.jsonl"
    assert push_stage.capture_payloads([{"status": 200}], fallback, tmp_path) == fallback


def test_plan_repetitions_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    context = load("context", monkeypatch)
    plan = context.Plan(1, 1, 1, 1, 1, 1, 1, repeats=3, repeat_budget=0.0)
    assert list(plan.repetitions()) == [1]


def test_plan_repetitions_count(monkeypatch: pytest.MonkeyPatch) -> None:
    context = load("context", monkeypatch)
    plan = context.Plan(1, 1, 1, 1, 1, 1, 1, repeats=3, repeat_budget=600.0)
    assert list(plan.repetitions()) == [1, 2, 3]


def test_plan_theoretical_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    context = load("context", monkeypatch)
    assert context.FULL_PLAN.theoretical_rate == 1600.0


def test_run_quick_plan_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    run = load("run", monkeypatch)
    args = run.build_parser().parse_args(["--quick", "--repeats", "2"])
    plan = run.choose_plan(args)
    assert plan.read_rows == 10_000
    assert plan.repeats == 2


# report.py -------------------------------------------------------------------------------


def test_markdown_table_escapes_pipes(report: ModuleType) -> None:
    text = report.markdown_table(("a", "b"), [["x|y", "1"]])
    assert text == "| a | b |\n|---|---|\n| x\\|y | 1 |"


def test_results_markdown_sections(report: ModuleType) -> None:
    table = report.Table("Push", ("sender", "rate"), [["bare loop", "1,283 rows/s"]])
    check = report.TargetCheck("Push at 90% of the bare loop", "88%", "missed")
    text = report.results_markdown(
        command="python benchmarks/run.py",
        elapsed=330.0,
        tables=[table],
        targets=[check],
        notes="## Notes\n\nWritten by hand.\n",
        load_at_start="1.50",
    )
    assert "Produced by `python benchmarks/run.py`, which finished on " in text
    assert "after 5.5 minutes." in text
    assert "| Push at 90% of the bare loop | 88% | missed |" in text
    assert "## Push\n\n| sender | rate |\n|---|---|\n| bare loop | 1,283 rows/s |" in text
    assert text.endswith("## Notes\n\nWritten by hand.\n")


def test_read_notes_keeps_section(report: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\n| a |\n\n## Notes\n\nWritten by hand.\n", encoding="utf-8")
    assert report.read_notes(path) == "## Notes\n\nWritten by hand.\n"


def test_read_notes_missing_file(report: ModuleType, tmp_path: Path) -> None:
    assert report.read_notes(tmp_path / "RESULTS.md") == ""


def test_function_label_strips_checkout(report: ModuleType) -> None:
    label = report.function_label((str(ROOT / "importer" / "runner.py"), 12, "run_import"))
    assert label == "importer/runner.py:12(run_import)"


def test_figure_formats(report: ModuleType) -> None:
    assert report.seconds(1.234) == "1.23 s"
    assert report.seconds(123.4) == "123 s"
    assert report.megabytes(2_500_000_000) == "2,500 MB"
    assert report.rate(1234.4) == "1,234 rows/s"
    assert report.ratio(1.5) == "1.50x"
    assert report.percent(0.456) == "46%"


def test_is_wrapper_imports(report: ModuleType) -> None:
    assert report.is_wrapper("<frozen importlib._bootstrap>:1165(_find_and_load)")


def test_is_wrapper_keeps_stages(report: ModuleType) -> None:
    assert not report.is_wrapper("importer/runner.py:138(run_import)")


# baseline_aiohttp.py ---------------------------------------------------------------------


def payload_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "payloads.jsonl"
    lines = [
        json.dumps({"plate": f"TEST{n:03d}", "plateType": "Passenger", "prov": "ON"})
        for n in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_baseline_concurrent_sends_all(
    baseline: ModuleType, fake_server: RunningServer, tmp_path: Path
) -> None:
    url = f"{fake_server.base_url}/api/OC_DEMO/v1/vehicles/push"
    payloads = baseline.read_payloads(payload_file(tmp_path, 12))
    bodies = baseline.request_bodies(payloads, DEMO_TOKEN)
    report = asyncio.run(baseline.send_concurrently(url, bodies, 4))
    assert report.sent == 12
    assert report.statuses == {200: 12}
    assert len(fake_server.state.vehicles) == 12


def test_baseline_one_at_a_time_limit(
    baseline: ModuleType, fake_server: RunningServer, tmp_path: Path
) -> None:
    url = f"{fake_server.base_url}/api/OC_DEMO/v1/vehicles/push"
    payloads = baseline.read_payloads(payload_file(tmp_path, 12), limit=5)
    report = baseline.send_one_at_a_time(url, baseline.request_bodies(payloads, DEMO_TOKEN))
    assert report.sent == 5
    assert json.loads(report.to_json())["statuses"] == {"200": 5}


def test_baseline_rejects_other_hosts(baseline: ModuleType) -> None:
    with pytest.raises(SystemExit, match=re.escape("not an http URL on 127.0.0.1")):
        baseline.check_loopback("http://controller.example/api/OC_DEMO/v1/vehicles/push")


# slow_fake_server.py ---------------------------------------------------------------------


def test_delayed_app_stores_vehicle(monkeypatch: pytest.MonkeyPatch) -> None:
    slow_fake_server = load("slow_fake_server", monkeypatch)

    async def push_and_list() -> tuple[int, list[dict[str, str]]]:
        runner = web.AppRunner(slow_fake_server.delayed_app(0.001))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        body = {"apiToken": DEMO_TOKEN, "plate": "ABCD123", "plateType": "Passenger", "prov": "ON"}
        try:
            async with aiohttp.ClientSession() as session:
                url = f"{base_url}/api/OC_DEMO/v1/vehicles/push"
                async with session.post(url, json=body) as response:
                    status = response.status
                async with session.get(f"{base_url}/_fake/vehicles") as response:
                    vehicles = await response.json()
        finally:
            await runner.cleanup()
        return status, vehicles

    status, vehicles = asyncio.run(push_and_list())
    assert status == 200
    assert [vehicle["plate"] for vehicle in vehicles] == ["ABCD123"]
