# tmem for Xen 4.17 and Linux 6.12: the commands a user and a developer run.
# Everything is done by the scripts in pipeline/; outputs go to $(TMEM_OUT)
# (default ~/.cache/tmem-work), never into this tree.

SHELL := /bin/bash
P := pipeline

# Knobs passed to the VM scripts (see pipeline/vm.sh).
export RUN ARGS CMD VM_FULL XEN_ARGS LINUX_ARGS VM_TIMEOUT DISK_SIZE LAYERS SUITES TMEM_OUT
# Knobs of the guest domain of domu-run (see pipeline/domu-run.sh).
export DOMU_TYPE DOMU_MEM DOMU_MAXMEM DOMU_SWAP DOMU_ARGS DOM0_RUN VM_CPU
# Knobs of the benchmark (see pipeline/bench.sh).
export BENCH_PROFILES BENCH_REPS BENCH_W4_REPS BENCH_W4_PASSES BENCH_WORKLOADS BENCH_MEM BENCH_DOM0_MEM
ifdef MEM
export VM_MEM := $(MEM)
endif
ifdef DOM0_MEM
export DOM0_MEM
endif

# Length of make soak, in minutes.
SOAK_MINUTES ?= 30

.PHONY: help demo check check-unit check-vm soak bench bench-small bench-squeeze bench-compile bench-density bench-store build vm-run domu-run devtree export-patches clean

help:
	@echo "make demo            boot Xen with tmem and a tmem-using Linux, show it working"
	@echo "make check           run every test; ends with 'check: N passed, N failed'"
	@echo "make check-unit      only the fast tests (no VM)"
	@echo "make check-vm [SUITES=...]  only the VM suites"
	@echo "make soak [SOAK_MINUTES=30]  the coherence stress in dom0 with tmem on, for that long; tmem-swap's refused mode"
	@echo "make bench           tmem on vs off, W1-W4 in a 256 MiB dom0, W5 and W6 as below: one report"
	@echo "make bench-small     W1-W4 on a 528 MiB host, where tmem holds half of W1's and W2's data"
	@echo "make bench-squeeze   a self-ballooned guest swapping, tmem off vs on: sectors, run time"
	@echo "make bench-compile   a self-ballooned guest compiling lua, tmem off vs on: sectors, run time"
	@echo "make bench-density   three overcommitted guests re-reading and compiling at once: static split, tmem off, on"
	@echo "make bench-store     the hypervisor store's put+get cost, in userspace"
	@echo "make build           fetch, patch and build everything"
	@echo "make vm-run RUN=prog [ARGS=...] [XEN_ARGS=...] [LINUX_ARGS=...] [MEM=MiB] [DOM0_MEM=MiB]"
	@echo "make domu-run RUN=prog [ARGS=...] [DOMU_TYPE=pv|pvh] [DOMU_MEM=MiB] [DOMU_SWAP=MiB] [DOMU_ARGS=...] [DOM0_RUN=prog] [XEN_ARGS=...] [LINUX_ARGS=...]"
	@echo "make devtree TREE=linux|xen / make export-patches TREE=linux|xen"

demo:
	$(P)/demo.sh

check:
	$(P)/check.sh

check-unit:
	LAYERS=unit $(P)/check.sh

check-vm:
	LAYERS=vm $(P)/check.sh

# The coherence stress (tools/testing/selftests/tmem/coherence_stress) with
# Xen and Linux using tmem: its output, the ops count and the result. Then
# what make check leaves out for time: tmem-swap's guest at its maximum,
# whose every persistent put Xen refuses.
soak:
	$(P)/build.sh
	. $(P)/lib.sh && rc=0 && \
	$(P)/vm.sh --name soak --xen-args tmem --linux-args "tmem kunit.enable=0" \
		--timeout $$(( $(SOAK_MINUTES) * 60 + 900 )) --job-dir $(P)/guest/stress \
		-- ./stress -t $$(( $(SOAK_MINUTES) * 60 )) || rc=$$?; \
	python3 $(P)/ktap.py --label soak "$$LOG_DIR/soak.log" || true; \
	DOMU_RUN_BUILT=1 MODES=refused tests/tmem-swap/run || rc=$$?; \
	exit $$rc

bench:
	$(P)/bench.sh

# The benchmark on a host whose free memory, tmem's, holds about half of
# W1's and W2's 512 MiB, so that Xen evicts (why 528: pipeline/bench.sh).
bench-small:
	BENCH_MEM=528 $(P)/bench.sh

bench-squeeze:
	$(P)/bench-squeeze.sh

bench-compile:
	$(P)/bench-compile.sh

bench-density:
	$(P)/bench-density.sh

bench-store:
	$(P)/deps.sh
	. $(P)/lib.sh && $(MAKE) -C tests/tmem-store bench OUT="$$BUILD_DIR/tmem-store"

build:
	$(P)/build.sh

vm-run:
	$(P)/vm-run.sh

domu-run:
	$(P)/domu-run.sh

devtree:
	$(P)/devtree.sh $(TREE)

export-patches:
	$(P)/devtree.sh $(TREE) export

clean:
	. $(P)/lib.sh && rm -rf "$$BUILD_DIR" "$$TREE_DIR" "$$IMG_DIR" "$$LOG_DIR"
