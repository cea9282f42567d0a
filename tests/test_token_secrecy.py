"""The API token never shows in any output of a run: console, logs, workbook, state, reprs.

The runs go through the CLI against servers on 127.0.0.1: the fake server with faults (so
retries are logged) and a server that echoes each request body, token included, in its error
pages, as a careless proxy would.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from importer import cli
from importer.client import OpsComClient
from importer.config import Secret, Target
from importer.errors import ServerConfigurationError
from importer.fake_faults import Faults
from importer.fake_server import DEMO_CLIENT_CODE, DEMO_TOKEN, FakeState, running_server
from importer.pushing import Pusher, PushOptions

PROFILE = "fields:\n  plate: Plate\n  plateType: {value: Passenger}\n  prov: Prov\n"
WRONG_TOKEN = "wrong-token-5b1e"


def _fleet(folder: Path, rows: int = 30) -> tuple[Path, Path]:
    source = folder / "fleet.csv"
    source.write_text(
        "Plate,Prov\n" + "".join(f"T{number:03d},ON\n" for number in range(rows)), encoding="utf-8"
    )
    profile = folder / "fleet.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return source, profile


def _every_text(folder: Path) -> str:
    """Return the text of every file under ``folder``; workbooks are read as their XML parts."""
    texts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                texts.extend(archive.read(name).decode("utf-8") for name in archive.namelist())
        else:
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


def _run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_url: str, token: str) -> int:
    """Run ``opscom-import run`` at debug level, logging JSON lines with every extra field."""
    source, profile = _fleet(tmp_path)
    monkeypatch.setenv("OPSCOM_BASE_URL", base_url)
    monkeypatch.setenv("OPSCOM_CLIENT_CODE", DEMO_CLIENT_CODE)
    monkeypatch.setenv("OPSCOM_API_TOKEN", token)
    monkeypatch.setenv("OPSCOM_STATE_DIR", str(tmp_path / "state"))
    log_file = tmp_path / "run.log"
    options = ["--log-file", str(log_file), "--log-format", "json"]
    code = cli.main(["--debug", "run", str(source), "-m", str(profile), *options])
    assert log_file.stat().st_size > 0
    return code


@pytest.fixture
def echo_server() -> Iterator[str]:
    """A server on 127.0.0.1 that answers 500, then 400, with the request body in an HTML page."""
    seen: dict[str, int] = {}

    async def echo(request: web.Request) -> web.Response:
        body = (await request.read()).decode()
        seen[body] = seen.get(body, 0) + 1
        status = 500 if seen[body] == 1 else 400
        return web.Response(status=status, text=f"<html><pre>{body}</pre></html>")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/api/{client_code}/v1/vehicles/push", echo)
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def _assert_absent(token: str, *texts: str) -> None:
    for text in texts:
        assert token not in text


def test_token_absent_with_faults(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    faults = Faults(fail_rate=0.1, throttle_rate=0.1, drop_rate=0.1, html_rate=0.1, retry_after=0)
    with running_server(FakeState(faults=faults)) as server:
        code = _run_cli(tmp_path, monkeypatch, server.base_url, DEMO_TOKEN)
        record = httpx.get(f"{server.base_url}/_fake/requests").text
    console = capsys.readouterr()
    assert code == 0
    assert any(entry.levelno == logging.DEBUG for entry in caplog.records)
    _assert_absent(DEMO_TOKEN, console.out, console.err, caplog.text, _every_text(tmp_path), record)


def test_token_absent_when_echoed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    echo_server: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    code = _run_cli(tmp_path, monkeypatch, echo_server, WRONG_TOKEN)
    console = capsys.readouterr()
    assert code == 3  # every row fails the same way, so the error-rate guard stops the run
    workbook_text = _every_text(tmp_path)
    assert '"apiToken": "********"' in workbook_text
    _assert_absent(WRONG_TOKEN, console.out, console.err, caplog.text, workbook_text)


def test_token_absent_when_rejected(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with running_server() as server:
        code = _run_cli(tmp_path, monkeypatch, server.base_url, WRONG_TOKEN)
        record = httpx.get(f"{server.base_url}/_fake/requests").text
    console = capsys.readouterr()
    assert code == 3
    _assert_absent(
        WRONG_TOKEN, console.out, console.err, caplog.text, _every_text(tmp_path), record
    )


def test_token_absent_from_reprs() -> None:
    target = Target("https://opscom.example.test", "OC_TEST", Secret(WRONG_TOKEN))
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    client = OpsComClient(target, transport=transport)
    pusher: Pusher[int] = Pusher(client, PushOptions())
    texts = [repr(target), str(target), repr(target.token), f"{target.token}", repr(client)]
    texts += [repr(pusher), repr(pusher.options), repr(ServerConfigurationError(target.label))]
    _assert_absent(WRONG_TOKEN, *texts)
