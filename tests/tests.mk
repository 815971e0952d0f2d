include tests/bench/bench.mk
