"""Target configuration: options, environment, TOML file, token handling and URL checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from importer.config import Secret, Target, check_base_url, resolve_target
from importer.errors import UsageError

ENV = {
    "OPSCOM_BASE_URL": "https://env.example.invalid",
    "OPSCOM_CLIENT_CODE": "OC_ENV",
    "OPSCOM_API_TOKEN": "env-token",
}


def test_environment_alone() -> None:
    target = resolve_target(base_url=None, client_code=None, config_file=None, environ=ENV)
    assert target == Target("https://env.example.invalid", "OC_ENV", Secret("env-token"))


def test_options_override_environment() -> None:
    target = resolve_target(
        base_url="https://option.example.invalid/",
        client_code="OC-TOMA",
        config_file=None,
        environ=ENV,
    )
    assert target.base_url == "https://option.example.invalid"
    assert target.client_code == "OC-TOMA"


def test_push_url_keeps_client_code_as_issued() -> None:
    target = Target("https://x.example.invalid", "OC-TOMA", Secret("t"))
    assert target.push_url == "https://x.example.invalid/api/OC-TOMA/v1/vehicles/push"


def test_toml_file_under_environment(tmp_path: Path) -> None:
    config = tmp_path / "opscom.toml"
    config.write_text(
        '[opscom]\nbase_url = "https://file.example.invalid"\nclient_code = "OC_FILE"\n'
        'api_token = "file-token"\n',
        encoding="utf-8",
    )
    target = resolve_target(
        base_url=None,
        client_code=None,
        config_file=config,
        environ={"OPSCOM_CLIENT_CODE": "OC_ENV"},
    )
    assert target == Target("https://file.example.invalid", "OC_ENV", Secret("file-token"))


def test_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n", encoding="utf-8")
    environ = {**ENV, "OPSCOM_API_TOKEN": "", "OPSCOM_API_TOKEN_FILE": str(token_file)}
    target = resolve_target(base_url=None, client_code=None, config_file=None, environ=environ)
    assert target.token.reveal() == "from-file"


def test_missing_base_url_says_how() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_target(base_url=None, client_code=None, config_file=None, environ={})
    assert str(caught.value).startswith("no OPS-COM base URL; set OPSCOM_BASE_URL")
    assert "opscom-import demo" in str(caught.value)


def test_missing_token_message() -> None:
    environ = {"OPSCOM_BASE_URL": "https://x.example.invalid", "OPSCOM_CLIENT_CODE": "OC"}
    with pytest.raises(UsageError) as caught:
        resolve_target(base_url=None, client_code=None, config_file=None, environ=environ)
    assert str(caught.value) == (
        "no API token; set OPSCOM_API_TOKEN (or OPSCOM_API_TOKEN_FILE with the path of a file "
        "containing it), or pass --config with a TOML file that sets api_token or "
        "api_token_file. The token is never a command-line option."
    )


def test_missing_token_message_config(tmp_path: Path) -> None:
    config = tmp_path / "opscom.toml"
    config.write_text(
        '[opscom]\nbase_url = "https://x.example.invalid"\nclient_code = "OC"\n',
        encoding="utf-8",
    )
    with pytest.raises(UsageError) as caught:
        resolve_target(base_url=None, client_code=None, config_file=config, environ={})
    assert str(caught.value) == (
        "no API token; set OPSCOM_API_TOKEN (or OPSCOM_API_TOKEN_FILE with the path of a file "
        f"containing it), or set api_token or api_token_file in {config}. The token is never "
        "a command-line option."
    )


def test_bad_toml_names_file(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("base_url = ", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        resolve_target(base_url=None, client_code=None, config_file=config, environ={})
    assert str(caught.value).startswith(f"{config}: invalid TOML")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
        "https://ops.example.invalid",
    ],
)
def test_base_url_accepted(url: str) -> None:
    assert check_base_url(url) == url


def test_plain_http_rejected_for_remote_host() -> None:
    with pytest.raises(UsageError) as caught:
        check_base_url("http://ops.example.invalid")
    assert "uses plain http" in str(caught.value)


def test_not_a_url_rejected() -> None:
    with pytest.raises(UsageError) as caught:
        check_base_url("controller.operationscommander.io")
    assert "is not an http(s) URL" in str(caught.value)


def test_secret_hidden_in_repr() -> None:
    target = Target("https://x.example.invalid", "OC", Secret("s3cret-token"))
    assert "s3cret-token" not in repr(target)
    assert "s3cret-token" not in str(target.token)
    assert "s3cret-token" not in f"{target}"
