"""The fault draws of `itemctl serve --fault-seed N`, for benches/double.sh.

Mirrors src/server/faults.rs: SplitMix64, and a draw in [0, 1) from the top
53 bits. Per upsert, serve draws the delay (when --delay is set), then the
drop, then the failure.
"""

M = 2**64


def units(seed):
    """The seeded sequence of draws in [0, 1)."""
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) % M
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % M
        yield ((z ^ (z >> 31)) >> 11) / 2**53
