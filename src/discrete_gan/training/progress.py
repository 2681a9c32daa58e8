"""How far a job is: the time since it began and the time left, for its log's epoch lines."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """A span of time as a person reads it: `12.3s`, `4m05s`, `1h02m`."""
    if round(seconds, 1) < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def progress(done: int, total: int, elapsed: float) -> str:
    """`12.3s elapsed, eta 40.1s` after `done` of `total` epochs: the time left assumes the
    remaining epochs take as long, on average, as those done."""
    eta = duration(elapsed / done * (total - done)) if done else "unknown"
    return f"{duration(elapsed)} elapsed, eta {eta}"
