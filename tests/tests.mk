include tests/bench/bench.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include tests/system/system.mk
include tests/guest.mk
include tests/system/mk_hostile.mk
