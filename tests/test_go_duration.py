"""go_duration against Go's own time.ParseDuration, as kubectl runs it on --request-timeout: kubectl takes a
whole number of seconds first (strconv.ParseInt), then a duration, and refuses a negative one (cli-runtime's
ToRESTConfig), so the spellings compared here are the others. It refuses a bad value before it connects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.rules.go_duration import go_atoi, go_duration

KUBECTL = Path(sys.executable).parent / "kubectl"
REFUSED = "Invalid timeout value"


def kubectl_takes(duration: str) -> bool:
    completed = subprocess.run(
        [str(KUBECTL), "--server=http://127.0.0.1:9", f"--request-timeout={duration}", "get", "pods"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return REFUSED not in completed.stderr


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("1h30m", 5_400_000_000_000),
        ("1.5s", 1_500_000_000),
        (".5s", 500_000_000),
        ("1.5\u00b5s", 1_500),
        ("1.5\u03bcs", 1_500),
        ("0", 0),
        ("+0", 0),
        ("0s", 0),
        ("2562047h", 2_562_047 * 3_600_000_000_000),
        ("9223372036854775807ns", (1 << 63) - 1),
        ("0.0000000001s", 0),  # the float fraction drops what is below a nanosecond
        ("1.0000000000000000000000001s", 1_000_000_000),  # digits beyond uint64 are dropped, not refused
        ("-9223372036854775808ns", -(1 << 63)),
        ("-9223372036.854775808s", -(1 << 63)),
        # Go sums in a uint64: 2^63 twice wraps to 0, which is no overflow there
        ("9223372036854775808ns9223372036854775808ns", 0),
        ("9223372036854775808ns9223372036854775808ns5s", 5_000_000_000),
        ("2562048h", None),
        ("9223372036854775808ns", None),
        ("1e", None),
        (".s", None),
        ("1.", None),
        ("1", None),
        ("1d", None),
        ("h", None),
        ("", None),
        ("1h 30m", None),
    ],
)
def test_go_duration_reads_as_go_does(text: str, nanoseconds: int | None) -> None:
    assert go_duration(text) == nanoseconds
    if text and text.isdigit() is False:
        assert kubectl_takes(text) == (nanoseconds is not None)


@settings(max_examples=25, deadline=None)
@given(st.from_regex(r"\A[0-9.]{0,4}(h|m|s|ms|us|ns|d|)([0-9.]{0,3}(h|m|s|ms|))?\Z"))
def test_go_duration_as_kubectl_reads_durations(text: str) -> None:
    if text.isdigit() or text == "":  # kubectl reads these as seconds, not as durations
        return
    assert kubectl_takes(text) == (go_duration(text) is not None)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        *[("5", 5), ("+5", 5), ("-5", -5), ("007", 7), ("9223372036854775807", (1 << 63) - 1)],
        *[("9223372036854775808", None), ("1_0", None), ("", None), ("0x10", None), (" 5", None), ("5s", None)],
    ],
)
def test_go_atoi_reads_what_strconv_atoi_reads(text: str, number: int | None) -> None:
    assert go_atoi(text) == number
