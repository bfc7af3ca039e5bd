"""The benchmarks (`make bench-*`): each prints name=value lines, its headline ratio last."""
