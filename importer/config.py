"""The push target: base URL, client code and API token, from options, environment or TOML.

Precedence, highest first: command-line options, environment variables
(``OPSCOM_BASE_URL``, ``OPSCOM_CLIENT_CODE``, ``OPSCOM_API_TOKEN`` or ``OPSCOM_API_TOKEN_FILE``),
then the TOML file given with ``--config``. The token is never a command-line option, because
options show in ``ps`` and in shell history.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from importer.errors import UsageError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Secret:
    """A string that never shows in ``repr``, ``str`` or f-strings; read it with ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Target:
    """An OPS-COM instance: where to send and with which token."""

    base_url: str
    client_code: str
    token: Secret

    @property
    def push_url(self) -> str:
        return f"{self.base_url}/api/{self.client_code}/v1/vehicles/push"

    @property
    def label(self) -> str:
        """The target as shown in logs and results: base URL and client code, never the token."""
        return f"{self.base_url} (client code {self.client_code})"


def load_config_file(path: Path) -> dict[str, str]:
    """Read the ``[opscom]`` table (or the top level) of a TOML configuration file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the configuration file ({exc.strerror}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML ({exc}).") from exc
    table = document.get("opscom", document)
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [opscom] must be a table.")
    return {str(key): str(value) for key, value in table.items()}


def resolve_target(
    *,
    base_url: str | None,
    client_code: str | None,
    config_file: Path | None,
    environ: Mapping[str, str] | None = None,
) -> Target:
    """Combine options, environment and file into a ``Target``, or raise ``UsageError``."""
    env = os.environ if environ is None else environ
    file_values = load_config_file(config_file) if config_file else {}
    url = base_url or env.get("OPSCOM_BASE_URL") or file_values.get("base_url")
    code = client_code or env.get("OPSCOM_CLIENT_CODE") or file_values.get("client_code")
    if not url:
        raise UsageError(
            "no OPS-COM base URL; set OPSCOM_BASE_URL, pass --base-url or put base_url in "
            "the --config file. To try the tool without a server, run: opscom-import demo"
        )
    if not code:
        raise UsageError(
            "no client code; set OPSCOM_CLIENT_CODE, pass --client-code or put client_code "
            "in the --config file (it is the code in your API URL, such as OC_TOMA)."
        )
    token = _resolve_token(env, file_values, config_file)
    return Target(base_url=check_base_url(url), client_code=code.strip(), token=token)


def _resolve_token(
    env: Mapping[str, str], file_values: Mapping[str, str], config_file: Path | None
) -> Secret:
    token = env.get("OPSCOM_API_TOKEN") or file_values.get("api_token")
    token_file = env.get("OPSCOM_API_TOKEN_FILE") or file_values.get("api_token_file")
    if not token and token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(
                f"{token_file}: cannot read the API token file ({exc.strerror})."
            ) from exc
    if not token:
        if config_file is None:
            where = "pass --config with a TOML file that sets api_token or api_token_file"
        else:
            where = f"set api_token or api_token_file in {config_file}"
        raise UsageError(
            "no API token; set OPSCOM_API_TOKEN (or OPSCOM_API_TOKEN_FILE with the path "
            f"of a file containing it), or {where}. The token is never a command-line option."
        )
    return Secret(token.strip())


def check_base_url(url: str) -> str:
    """Return ``url`` without a trailing slash; require HTTPS except for loopback hosts."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UsageError(
            f"base URL '{url}' is not an http(s) URL; use the form "
            "https://controller.operationscommander.io"
        )
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise UsageError(
            f"base URL '{url}' uses plain http; the token would travel unencrypted. Use https://."
        )
    return url.strip().rstrip("/")
