"""What the tests (and the benchmarks) share: ports, PostgreSQL servers, polling, sending calls."""
