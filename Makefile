# Makefile: builds ./wattdb, its tests, the sample data, and runs them.
#
#   make              build ./wattdb
#   make demo         install missing packages, build, generate the sample data.zip,
#                     build the demo database out/demo.db from it, print its status
#   make check        install missing packages, build, run every test suite and the notebooks
#                     (on the SQLite demo database, then on a throwaway PostgreSQL fed by push)
#   make notebooks    execute notebooks/ against out/demo.db (or WATTDB_DB=FILE), figures to out/figures
#   make check SANITIZE=address,undefined   the same under the sanitizers
#   make test SANITIZE=thread SUITES=push,readahead,batch   the threaded code (push's lanes,
#                                    the ingest's reading and store threads) under ThreadSanitizer
#   make test JOBS=1  the suites one at a time (default: as many side by side as there are cores)
#   make deps         install the Debian packages wattdb needs (sudo when not root)
#   make bench        the benchmarks of bench/ (minutes; writes bench/out/, figures for bench/RESULTS.md)
#   make fuzz         install clang if missing, build the libFuzzer targets of fuzz/ and run each
#                     for FUZZ_SECONDS (30); fails on any crash (artifacts in build/fuzz/crashes/);
#                     FUZZ_FLAGS adds libFuzzer options, e.g. '-fork=1 -ignore_crashes=1'
#
# Objects go to build/<variant>/, so sanitized and plain builds never mix.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

CC      ?= cc
SANITIZE ?=
WERROR  ?= -Werror
PKGS    := sqlite3 nettle jansson yaml-0.1 libplist-2.0
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
           -Wwrite-strings -Wvla -Wformat=2 -Wformat-security -fno-common $(WERROR)
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -I. -MMD -MP \
             $(shell pkg-config --cflags $(PKGS) libarchive libpq 2>/dev/null) \
             -DWATTDB_LIBARCHIVE='"$(LIBARCHIVE_SONAME)"'
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -lnettle -ljansson -lyaml -lplist-2.0) -lcsv -lm
# wattdb loads libarchive when it meets an archive (ingest/archive_api.h) and
# runs wattdb-push for push (cli/push_launch.c): only the programs that call
# them directly link them.
LIBARCHIVE_SONAME := $(or $(shell objdump -p $$(pkg-config --variable=libdir libarchive 2>/dev/null)/libarchive.so \
                       2>/dev/null | awk '$$1 == "SONAME" { print $$2 }'),libarchive.so.13)
LDLIBS_ARCHIVE := $(shell pkg-config --libs libarchive 2>/dev/null || echo -larchive) $(LDLIBS)
LDLIBS_PQ := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq) $(LDLIBS)
LDLIBS_ALL := $(shell pkg-config --libs libpq libarchive 2>/dev/null || echo -lpq -larchive) $(LDLIBS)

comma := ,
ifneq ($(FUZZ_BUILD),)
# the library for the fuzz targets (set by `make fuzz` for its sub-make)
CC          := clang
VARIANT     := fuzz
ALL_CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -O1
else ifneq ($(SANITIZE),)
VARIANT     := san-$(subst $(comma),-,$(SANITIZE))
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer -O1
LDFLAGS     += -fsanitize=$(SANITIZE)
else
VARIANT     := release
endif
B := build/$(VARIANT)

# The library is every layer below the command line; cli/ is linked into the
# binary only, so nothing else can call it.
# schema/gen_fresh.c is a build tool (the schema of a new database), not part of it.
LIB_SRC  := $(wildcard common/*.c) $(wildcard ingest/*.c) $(filter-out schema/gen_fresh.c,$(wildcard schema/*.c)) \
            $(wildcard transform/*.c) $(wildcard push/*.c)
# cli/push.c is the main of wattdb-push, the program `wattdb push` runs.
CLI_OBJ  := $(patsubst %.c,$(B)/%.o,$(filter-out cli/push.c,$(wildcard cli/*.c)))
PUSH_OBJ := $(B)/cli/push.o $(B)/cli/usage.o
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/schema_sql.o $(B)/gen/schema_fresh.o $(B)/gen/transform_sql.o \
            $(B)/gen/gpu_specs_csv.o $(B)/gen/push_sql.o
# SUITES=push,upgrade runs only those suites (tests/test_push.c, ...) and not
# the command-line script; empty: every suite.
SUITES   ?=
# Suites run side by side, JOBS at a time (tests/run_suites.sh; empty: one per core).
JOBS     ?=
TESTS    := $(patsubst tests/%.c,$(B)/tests/%,$(if $(SUITES),$(patsubst %,tests/test_%.c,$(subst $(comma), ,$(SUITES))),$(wildcard tests/test_*.c)))
WATTDB   := $(if $(SANITIZE),$(B)/wattdb,wattdb)
WATTDB_PUSH := $(WATTDB)-push

DEB_PACKAGES := gcc make pkg-config sqlite3 libsqlite3-dev libcsv-dev libarchive-dev \
                libcmocka-dev nettle-dev libjansson-dev libyaml-dev libplist-dev libpq-dev postgresql zip unzip time python3
DEB_NOTEBOOKS := python3 python3-pandas python3-matplotlib python3-scipy python3-sklearn \
                 python3-nbconvert python3-ipykernel python3-nbformat python3-psycopg2

.PHONY: all deps demo check test clean bench fuzz fuzz-build
all: $(WATTDB)

# ---- packages ---------------------------------------------------------------
# Installs only what is missing, so it is cheap to run before every demo/check.
deps:
	@missing=""; for p in $(DEB_PACKAGES) $(if $(NO_NOTEBOOKS),,$(DEB_NOTEBOOKS)); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

# ---- the program ------------------------------------------------------------
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The embedded SQL of a folder: remade when a file changes, and when a file is
# added or removed (the .list file holds the names, rewritten only when they
# change).
EMBED_DIRS := schema_sql:schema transform_sql:transform push_sql:push/pg
embed_files = $(sort $(wildcard $(1)/*.sql))
$(B)/gen/%.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(call embed_files,$(word 2,$(subst :, ,$(filter $*:%,$(EMBED_DIRS)))))' | cmp -s - $@ || \
	  echo '$(call embed_files,$(word 2,$(subst :, ,$(filter $*:%,$(EMBED_DIRS)))))' > $@
.PHONY: FORCE
FORCE:

$(B)/gen/schema_sql.c: schema/embed.sh $(call embed_files,schema) $(B)/gen/schema_sql.list
	sh schema/embed.sh schema_sql $(call embed_files,schema) > $@

# The schema a new database gets: what the schema files leave in an empty
# database, by schema/gen_fresh.c, built for this machine whatever the variant.
HOST_CC ?= cc
$(B)/tools/gen-fresh: schema/gen_fresh.c $(B)/gen/schema_sql.c schema/embedded.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -O1 -I. -o $@ schema/gen_fresh.c $(B)/gen/schema_sql.c \
	  $(shell pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3)

$(B)/gen/schema_fresh.sql: $(B)/tools/gen-fresh
	$< > $@.tmp && mv $@.tmp $@

$(B)/gen/schema_fresh.c: schema/embed.sh $(B)/gen/schema_fresh.sql
	sh schema/embed.sh schema_fresh $(B)/gen/schema_fresh.sql > $@

$(B)/gen/transform_sql.c: schema/embed.sh $(call embed_files,transform) $(B)/gen/transform_sql.list
	sh schema/embed.sh transform_sql $(call embed_files,transform) > $@

$(B)/gen/push_sql.c: schema/embed.sh $(call embed_files,push/pg) $(B)/gen/push_sql.list
	sh schema/embed.sh push_sql $(call embed_files,push/pg) > $@

$(B)/gen/gpu_specs_csv.c: schema/embed.sh data/gpu_specs.csv
	@mkdir -p $(dir $@)
	sh schema/embed.sh gpu_specs_csv data/gpu_specs.csv > $@

$(B)/libwattdb.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# Whatever makes wattdb makes wattdb-push beside it.
$(WATTDB): $(CLI_OBJ) $(B)/libwattdb.a | $(WATTDB_PUSH)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(WATTDB_PUSH): $(PUSH_OBJ) $(B)/libwattdb.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_PQ)

$(B)/gen-sample: data/gen_sample.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS_ARCHIVE)

# ---- the demo -----------------------------------------------------------------
out/sample/data.zip: $(B)/gen-sample
	@mkdir -p $(dir $@)
	$(B)/gen-sample --zip $@

demo: deps
	$(MAKE) --no-print-directory $(WATTDB) out/sample/data.zip
	rm -f out/demo.db out/demo.db-wal out/demo.db-shm
	./$(WATTDB) build --db out/demo.db --wall-sockets 1 out/sample/data.zip || [ $$? -eq 1 ]
	./$(WATTDB) status --db out/demo.db
	@echo "runs, energy and duration per environment and architecture (default profile):"
	@sqlite3 -column -header out/demo.db "SELECT environment, architecture, count(*) AS runs, \
	  round(sum(energy_j) / 1e6, 3) AS energy_mj, round(avg(energy_j) / 1e3, 1) AS mean_kj, \
	  round(avg(duration_s) / 60, 1) AS mean_min FROM v_run WHERE profile = 'default' \
	  GROUP BY 1, 2 ORDER BY 1, 2"
	@echo; echo "energy by measuring tool, for the runs other tools measured too (kJ):"
	@sqlite3 -column -header out/demo.db "SELECT r.stamp, e.source, e.component, \
	  round(sum(e.energy_j) / 1e3, 1) AS kj FROM source_energy e JOIN run r ON r.id = e.run_id \
	  WHERE e.run_id IN (SELECT run_id FROM source_energy WHERE source <> 'eprof-gpu') \
	  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
	@echo; echo "reconciliation: wall meter against GPU + RAPL package + DRAM over the same window (kJ):"
	@sqlite3 -column -header out/demo.db "SELECT r.stamp, c.window, round(c.window_s) AS seconds, \
	  round(c.wall_j / 1e3, 1) AS wall, round(c.gpu_j / 1e3, 1) AS gpu, round(c.rapl_pkg_j / 1e3, 1) AS pkg, \
	  round(c.rapl_dram_j / 1e3, 1) AS dram, round(c.unaccounted_share * 100, 1) AS unaccounted_pct \
	  FROM source_reconciliation c JOIN run r ON r.id = c.run_id WHERE c.wall_j IS NOT NULL ORDER BY 1"

# ---- notebooks ----------------------------------------------------------------
# Executes notebooks/*.ipynb headless against WATTDB_DB (default: the demo database,
# rebuilt from the sample first), fails on any error, figures to out/figures/*.png.
# The kernel is Debian's python3 (NB_PYTHON) through a kernelspec of our own, so
# another python3 on PATH (pyenv, a venv without pandas) does not matter.
NB_DEMO    := $(if $(filter undefined,$(origin WATTDB_DB)),demo)
WATTDB_DB  ?= out/demo.db
NB_PYTHON  ?= /usr/bin/python3
NB_TIMEOUT ?= 600
NB_KERNELS := out/jupyter/kernels/python3
# a postgresql:// URL is passed as it is, a file as its absolute path
NB_DB      = $(if $(filter postgres://% postgresql://%,$(WATTDB_DB)),$(WATTDB_DB),$(abspath $(WATTDB_DB)))

.PHONY: notebooks
notebooks: deps $(NB_DEMO)
	@$(NB_PYTHON) -c 'import pandas, matplotlib, scipy, sklearn, nbconvert, nbformat, ipykernel' \
	  || { echo "notebooks: $(NB_PYTHON) lacks the notebook packages; run 'make deps'" >&2; exit 1; }
	$(NB_PYTHON) notebooks/make_notebooks.py --check
	@case "$(WATTDB_DB)" in postgres://*|postgresql://*) ;; *) test -f $(WATTDB_DB) || \
	  { echo "notebooks: $(WATTDB_DB): no such database" >&2; exit 1; } ;; esac
	rm -rf out/notebooks out/figures $(NB_KERNELS)
	mkdir -p out/notebooks out/figures $(NB_KERNELS)
	printf '{"argv": ["%s", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],\n "display_name": "Python 3 (wattdb)", "language": "python"}\n' \
	  "$(NB_PYTHON)" > $(NB_KERNELS)/kernel.json
	PATH=/usr/bin:$$PATH JUPYTER_PATH=$(CURDIR)/out/jupyter MPLBACKEND=Agg PYTHONNOUSERSITE=1 \
	  PYDEVD_DISABLE_FILE_VALIDATION=1 \
	  WATTDB_DB='$(NB_DB)' WATTDB_FIGURES=$(CURDIR)/out/figures \
	  $(NB_PYTHON) -m nbconvert --to notebook --execute --output-dir out/notebooks \
	    --ExecutePreprocessor.timeout=$(NB_TIMEOUT) --ExecutePreprocessor.kernel_name=python3 \
	    $(sort $(wildcard notebooks/[0-9]*.ipynb))
	@ls out/figures/*.png 2>/dev/null | sed 's/^/figure: /'

# ---- tests --------------------------------------------------------------------
$(B)/tests/%: tests/%.c $(B)/libwattdb.a tests/testlib.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libwattdb.a $(LDLIBS_ALL) -lcmocka

# The push tests (tests/test_push*.c) run against a throwaway PostgreSQL that
# tests/pg.sh starts for the whole run and stops at the end (WATTDB_PG_URL);
# where it cannot start they skip, saying why, unless WATTDB_PG_REQUIRED=1
# (.ci/run), which makes that a failure.
PG_DIR := $(or $(TMPDIR),/tmp)/wattdb-pg-$(VARIANT)-$(shell echo $$$$)
test: $(WATTDB) $(B)/gen-sample $(TESTS)
	@failed=0; trap 'sh tests/pg.sh stop $(PG_DIR)' EXIT; \
	if sh tests/pg.sh start $(PG_DIR); then WATTDB_PG_URL=$$(sh tests/pg.sh url $(PG_DIR)); export WATTDB_PG_URL; \
	elif [ "$(WATTDB_PG_REQUIRED)" = 1 ]; then echo "push tests: PostgreSQL could not start (above)" >&2; exit 1; \
	else echo "push tests: PostgreSQL could not start (above): the tests that need it skip"; fi; \
	JOBS="$(JOBS)" WATTDB=./$(WATTDB) GEN_SAMPLE=./$(B)/gen-sample sh tests/run_suites.sh $(TESTS) || failed=1; \
	$(if $(SUITES),,WATTDB=./$(WATTDB) GEN_SAMPLE=./$(B)/gen-sample sh tests/run_cli_tests.sh || failed=1;) \
	exit $$failed

check: deps
	$(MAKE) --no-print-directory test
	$(if $(NO_NOTEBOOKS),,$(MAKE) --no-print-directory notebooks)
	$(if $(NO_NOTEBOOKS),,$(MAKE) --no-print-directory notebooks-server NB_COMPARE=1)

# The notebooks again, on a throwaway PostgreSQL (tests/pg.sh) fed by `wattdb push`
# of the demo database that `make notebooks` built; skipped, saying why, where
# PostgreSQL cannot start (a failure with WATTDB_PG_REQUIRED=1). With NB_COMPARE=1
# (make check, right after the notebooks on that database) every figure must come
# out byte for byte as it did from the SQLite file.
# Figures drawn from views the server does not have (none: every view is there).
NB_SERVER_GAPS :=
.PHONY: notebooks-server
notebooks-server: $(WATTDB)
	@trap 'sh tests/pg.sh stop $(PG_DIR)-nb' EXIT; \
	rm -rf out/figures-sqlite; \
	if [ "$(NB_COMPARE)" = 1 ]; then cp -r out/figures out/figures-sqlite; fi; \
	if sh tests/pg.sh start $(PG_DIR)-nb; then \
	  url=$$(sh tests/pg.sh url $(PG_DIR)-nb); \
	  echo "notebooks on the server: ./$(WATTDB) push --db out/demo.db $$url"; \
	  ./$(WATTDB) push --quiet --db out/demo.db "$$url" && \
	  $(MAKE) --no-print-directory notebooks WATTDB_DB="$$url" || exit 1; \
	  for f in $$(ls out/figures-sqlite 2>/dev/null); do \
	    case " $(NB_SERVER_GAPS) " in *" $$f "*) echo "notebooks-server: $$f not compared (a view the server lacks)"; continue;; esac; \
	    cmp -s out/figures-sqlite/$$f out/figures/$$f || \
	    { echo "notebooks-server: $$f differs from the SQLite database's" >&2; exit 1; }; done; \
	  [ -d out/figures-sqlite ] && echo "notebooks-server: the other figures, the same bytes as from the SQLite database"; true; \
	elif [ "$(WATTDB_PG_REQUIRED)" = 1 ]; then echo "notebooks-server: PostgreSQL could not start (above)" >&2; exit 1; \
	else echo "notebooks-server: PostgreSQL could not start (above): skipped"; fi

$(B)/bench-floor: bench/floor.c $(B)/libwattdb.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libwattdb.a $(LDLIBS)

bench: $(WATTDB) $(B)/gen-sample $(B)/bench-floor
	WATTDB=./$(WATTDB) FLOOR=./$(B)/bench-floor sh bench/floor.sh
	WATTDB=./$(WATTDB) GEN_SAMPLE=./$(B)/gen-sample sh bench/ingest.sh
	WATTDB=./$(WATTDB) GEN_SAMPLE=./$(B)/gen-sample sh bench/wattmeter.sh 24
	WATTDB=./$(WATTDB) GEN_SAMPLE=./$(B)/gen-sample sh bench/import.sh
	WATTDB=./$(WATTDB) GEN_SAMPLE=./$(B)/gen-sample sh bench/linear.sh
	$(if $(GAISSA_PKG),WATTDB=./$(WATTDB) sh bench/package.sh $(GAISSA_PKG),@echo 'bench/package.sh skipped: set GAISSA_PKG to a checkout of the replication package')

# ---- fuzzing -------------------------------------------------------------------
# One target per job: fuzz-lines, fuzz-bid, and fuzz-fmt-NAME for every format
# (fuzz/fuzz_format.c compiled with -DFUZZ_FORMAT=NAME). Seeds are copied from the
# matching fixtures (and tests/fixtures/fuzz/TARGET/) into build/fuzz/corpus/TARGET/.
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   ?=
FUZZ_FORMATS := $(shell sed -n 's/^ *\.name = "\(.*\)",$$/\1/p' ingest/fmt_*.c)
FUZZ_TARGETS := lines bid $(addprefix fmt-,$(FUZZ_FORMATS))
FUZZ_LINK    := -fsanitize=fuzzer,address,undefined
DEB_FUZZ     := clang libclang-rt-14-dev
# find(1) tests choosing each target's seeds among tests/fixtures (default: tests/fixtures/NAME/)
FUZZ_SEEDS_lines             := -path '*'
FUZZ_SEEDS_bid               := -path '*'
FUZZ_SEEDS_fmt-eprof-gpu     := -name 'gpu-power-*'
FUZZ_SEEDS_fmt-eprof-cpu     := -name 'cpu-mem-usage-*'
FUZZ_SEEDS_fmt-eprof-epoch   := -name 'epoch_end-*'
FUZZ_SEEDS_fmt-keras-history := -name 'performance-*'
FUZZ_SEEDS_fmt-eprof-launch  := -name 'oom-experiments*'
FUZZ_SEEDS_fmt-run-manifest  := -name 'runs*.csv'
FUZZ_SEEDS_fmt-codecarbon    := -path '*/codecarbon/*' -o -name 'emissions*'
FUZZ_SEEDS_fmt-perf-stat     := -path '*/perf/*' -o -name 'rapl*'
FUZZ_SEEDS_fmt-wattmeter     := -path '*/wattmeter/*' -o -name 'wattmetre*'
FUZZ_SEEDS_fmt-nvidia-smi    := -path '*/nvidia-smi/*' -o -name 'gpus*'
FUZZ_SEEDS_fmt-zeus-monitor  := -path '*/zeus/monitor-*'
FUZZ_SEEDS_fmt-zeus-power    := -path '*/zeus/power-*'
FUZZ_SEEDS_fmt-zeus-log      := -path '*/zeus/console-*'
FUZZ_SEEDS_fmt-mlflow-meta   := -path '*/mlflow/*' -name 'meta.yaml'
FUZZ_SEEDS_fmt-mlflow-metric := -path '*/mlflow/*/metrics/*'
FUZZ_SEEDS_fmt-mlflow-param  := -path '*/mlflow/*/params/*'
FUZZ_SEEDS_fmt-mlflow-tag    := -path '*/mlflow/*/tags/*'
FUZZ_SEEDS_fmt-mlflow-artifact := -path '*/mlflow/*/artifacts/*'

ifneq ($(FUZZ_BUILD),)
# compiled apart from the link, so that -MMD writes build/fuzz/fuzz/*.d
.PRECIOUS: $(B)/fuzz/%.o
$(B)/fuzz/fuzz_format-%.o: fuzz/fuzz_format.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DFUZZ_FORMAT='"$*"' -c -o $@ $<

build/fuzz/fuzz-fmt-%: $(B)/fuzz/fuzz_format-%.o $(B)/libwattdb.a
	$(CC) $(FUZZ_LINK) -o $@ $^ $(LDLIBS)

build/fuzz/fuzz-%: $(B)/fuzz/fuzz_%.o $(B)/libwattdb.a
	$(CC) $(FUZZ_LINK) -o $@ $^ $(LDLIBS)

fuzz-build: $(addprefix build/fuzz/fuzz-,$(FUZZ_TARGETS))
	@rm -rf build/fuzz/seeds
	@$(foreach t,$(FUZZ_TARGETS),mkdir -p build/fuzz/seeds/$(t) && \
	  find tests/fixtures -type f \( $(or $(FUZZ_SEEDS_$(t)),-path 'tests/fixtures/$(t:fmt-%=%)/*') \
	    -o -path 'tests/fixtures/fuzz/$(t)/*' \) | while read -r f; do \
	    cp "$$f" "build/fuzz/seeds/$(t)/$$(echo "$$f" | tr / _)"; done;)
endif

fuzz:
	@$(MAKE) --no-print-directory deps NO_NOTEBOOKS=1 DEB_PACKAGES="$(DEB_PACKAGES) $(DEB_FUZZ)"
	$(MAKE) --no-print-directory FUZZ_BUILD=1 fuzz-build
	FUZZ_FLAGS="$(FUZZ_FLAGS)" sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build wattdb wattdb-push

-include $(shell find build -name '*.d' 2>/dev/null)
