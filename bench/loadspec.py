"""What one load run asks for and what it measured, shared by wrk's runner and the Python fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

PYTHON_FALLBACK = "python-loadgen (fallback: costs CPU, figures pessimistic)"
# A slow answer must be measured, not dropped: wrk leaves requests slower than --timeout out of its
# latency histogram, so the timeout is far above anything a healthy run sees.
TIMEOUT_S = 30


@dataclass(frozen=True)
class LoadSpec:
    base_url: str
    token: str
    items: int
    connections: int
    duration: int  # seconds (wrk takes whole seconds)
    run_id: str
    think_ms: float = 0.0
    products: int = 3  # items cycle over demo products 1..products
    spread: bool = False  # each order on the next products of the pool, not the same ones
    rate: float = 0.0  # requests/s at fixed times (open loop; wrk only); 0: closed loop


@dataclass
class LoadResult:
    tool: str
    duration: float
    requests: int
    created: int
    non_201: int
    non_201_statuses: dict[str, int]
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]
    sample: str
    loadgen_cpu: float = 0.0  # seconds, of the load generator's processes
    extra: dict = field(default_factory=dict)

    @property
    def created_per_s(self) -> float:
        return self.created / self.duration if self.duration else 0.0

    @property
    def valid(self) -> bool:
        return self.non_201 == 0 and not any(self.socket_errors.values()) and self.created > 0


def percentiles(latencies_ms: list[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean of sorted latencies (nearest rank)."""
    if not latencies_ms:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0, "mean": 0.0}
    n = len(latencies_ms)

    def at(q: float) -> float:
        return latencies_ms[min(n - 1, int(q * n))]

    return {
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": latencies_ms[-1],
        "mean": sum(latencies_ms) / n,
    }
