"""Choosing at random, fast: the seeder draws tens of millions of numbers for a million people."""

import bisect
import random
from collections.abc import Iterable


def spread(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, at least one each (largest remainders first)."""
    quotas = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(q)) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: int(quotas[i]) - quotas[i])
    i = 0
    while sum(counts) < total:
        counts[by_remainder[i % len(counts)]] += 1
        i += 1
    while sum(counts) > total:  # the minimum of one pushed it over: take from the largest
        counts[counts.index(max(counts))] -= 1
    return counts


class FastRandom(random.Random):
    """`random.Random` with a `randint` and `choice` about three times as fast: one random number
    each instead of rejection sampling. Their tiny bias does not matter for test data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class Weighted:
    """A weighted choice that costs one random number and a bisection."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, pairs: Iterable[tuple]):
        self.values, self.cum, total = [], [], 0.0
        for value, weight in pairs:
            total += weight
            self.values.append(value)
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect(self.cum, rng.random() * self.total)]
