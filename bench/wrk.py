"""What wrk printed, as numbers (shared by the benchmarks that load `guilde serve` with it)."""

from __future__ import annotations

import re


def parse(output: str) -> dict[str, float]:
    """Requests per second, p50 and p99 latency (ms) and non-2xx/3xx responses."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert rate is not None, output
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def percentile(name: str) -> float:
        value = re.search(rf"{name}%\s+([\d.]+)(us|ms|s)", output)
        assert value is not None, output
        number, unit = float(value.group(1)), value.group(2)
        return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number

    return {
        "requests_per_second": float(rate.group(1)),
        "latency_ms_p50": percentile("50"),
        "latency_ms_p99": percentile("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }
