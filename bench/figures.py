"""How the bench reads its samples."""


def percentile(values: list[float], q: float) -> float:
    """The sample at quantile q (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
