"""Seeded, reproducible faults for the fake server.

Each push request draws at most one fault. The draw hashes the seed, the vehicle the request
carries and how many times that vehicle arrived before. So the same file pushed with the same
seed meets the same faults in any order and at any concurrency, while a retry of a row draws
anew. The rates are fractions of requests, from 0 to 1, and add up to at most 1.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from enum import StrEnum

HTML_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class Fault(StrEnum):
    """A fault the fake server applies to one request, instead of or besides handling it."""

    NONE = "none"
    FAIL = "fail"  # 503 with an empty body; nothing stored
    THROTTLE = "throttle"  # 429 with Retry-After; nothing stored
    DROP = "drop"  # connection closed without an answer, before or after storing
    ERROR_200 = "error-200"  # the push is handled, and an error answer comes with status 200
    HTML = "html"  # 502 with an HTML page, as a proxy sends; nothing stored


@dataclass(frozen=True, slots=True)
class Faults:
    """Latency and fault rates of the fake server; the defaults inject nothing."""

    latency_ms: float = 0.0
    fail_rate: float = 0.0
    throttle_rate: float = 0.0
    drop_rate: float = 0.0
    error_200_rate: float = 0.0
    html_rate: float = 0.0
    #: Seconds sent in the ``Retry-After`` header of a throttled answer.
    retry_after: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name.endswith("_rate") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{item.name} must be between 0 and 1, not {value:g}")
        if self.total_rate > 1.0:
            raise ValueError(
                f"the fault rates add up to {self.total_rate:g}; at most 1 is possible"
            )
        if self.latency_ms < 0 or self.retry_after < 0:
            raise ValueError("latency and Retry-After must not be negative")

    @property
    def total_rate(self) -> float:
        return (
            self.fail_rate
            + self.throttle_rate
            + self.drop_rate
            + self.error_200_rate
            + self.html_rate
        )

    def draw(self, key: str, arrival: int) -> tuple[Fault, bool]:
        """Return the fault for the ``arrival``-th request (from 0) carrying ``key``.

        The flag is true when a dropped request is handled, and its vehicle stored, before
        the connection closes, which is the case for half of the drops.
        """
        if self.total_rate == 0:
            return Fault.NONE, False
        digest = hashlib.blake2b(f"{self.seed}|{key}|{arrival}".encode(), digest_size=9).digest()
        point = int.from_bytes(digest[:8], "big") / 2**64
        for fault, rate in (
            (Fault.FAIL, self.fail_rate),
            (Fault.THROTTLE, self.throttle_rate),
            (Fault.DROP, self.drop_rate),
            (Fault.ERROR_200, self.error_200_rate),
            (Fault.HTML, self.html_rate),
        ):
            if point < rate:
                return fault, bool(digest[8] & 1)
            point -= rate
        return Fault.NONE, False
