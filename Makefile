# mpitrain: build, run, test. `make run` and `make test` do all the set-up.
#
#   make run            install OpenMPI if missing, build, train on 4 ranks (NP=4)
#   make run NP=2 ARGS="--epochs 5"
#   make test           gofmt, go vet, go test ./..., the multi-rank tests under mpirun,
#                       and (as root) the multi-host and Slurm rehearsals in network namespaces and
#                       the image rehearsal: mpi-operator/Dockerfile built, the MPIJob run in containers
#   make slurm-rehearsal  a 3-node Slurm cluster on this machine running scripts/slurm/train.sbatch (root)
#   make image-rehearsal  the image built from mpi-operator/Dockerfile, the MPIJob run as podman containers (root)
#   make bench          every performance target, measured side by side, as one table (scripts/bench.sh)
#   make costmodel      Allreduce cost model and projected scaling to 64 ranks (scripts/costmodel.sh, root)
#   make lint           staticcheck
#   make sweep          scaling sweep over rank counts and batch sizes (scripts/sweep.sh)
#   make hpsweep        hyperparameter sweeps of the committed grids, packed in one MPI job each (scripts/hpsweep.sh)
#   make sweepspeed     one sweep job against a loop of mpirun jobs, side by side (scripts/sweep-speed.sh)
#   make mutate         mutation testing with gremlins, package by package (scripts/mutate.sh; hours, not in `make test`)
#   make mutate PKGS="data mlp/eval" EFFICACY=95 MCOVER=95 WORKERS=2

NP     ?= 4
ARGS   ?=
GO     ?= go
NPROC  := $(shell nproc 2>/dev/null || echo 1)
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

# mpirun flags this machine needs: more ranks than cores needs --oversubscribe;
# mpirun refuses root unless told (added only when run as root).
MPIRUN_FLAGS := $(if $(shell [ $(NP) -gt $(NPROC) ] && echo yes),--oversubscribe) \
                $(if $(IS_ROOT),--allow-run-as-root)

GOFILES := $(shell find . -name '*.go' -not -path './.git/*')

.PHONY: all deps build run test vet fmt-check unit mpitest rehearsal slurm-rehearsal image-rehearsal bench costmodel lint sweep hpsweep sweepspeed clean

all: build

deps:
	@bash scripts/deps.sh

build: trainer

trainer: deps $(GOFILES) go.mod go.sum data/sp500-2000.csv
	CGO_ENABLED=1 $(GO) build -trimpath -o trainer .

# scripts/blasenv.sh picks OpenBLAS's kernels where Debian's OpenBLAS
# misreads an AVX-512 CPU (and only there); -x passes the choice to ranks.
run: build
	eval "$$(bash scripts/blasenv.sh)"; mpirun $(MPIRUN_FLAGS) $$(bash scripts/blasenv.sh --mpirun-flags) -np $(NP) ./trainer $(ARGS)

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags nompi ./...

unit:
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) build -tags nompi -o /dev/null .
	$(GO) test -count=1 -tags nompi -run '^FuzzTrainFlags$$' .

mpitest: build
	PKGS="./collective ./collective/cref" bash scripts/mpitest.sh 1 2 3 4

# The rehearsal needs root (network namespaces, sshd); CI runs as root.
rehearsal: build
	@if [ "$$(id -u)" = 0 ]; then bash scripts/multihost-rehearsal.sh ./trainer; \
	elif [ -n "$$CI" ]; then echo "rehearsal: needs root, and CI runs as root" >&2; exit 1; \
	else echo "rehearsal: skipped (needs root: sudo make rehearsal)"; fi

# A Slurm cluster of three nodes in network namespaces (installs slurm-wlm
# and munge if missing); needs root, as the rehearsal above.
slurm-rehearsal: build
	@if [ "$$(id -u)" = 0 ]; then bash scripts/slurm-rehearsal.sh ./trainer; \
	elif [ -n "$$CI" ]; then echo "slurm-rehearsal: needs root, and CI runs as root" >&2; exit 1; \
	else echo "slurm-rehearsal: skipped (needs root: sudo make slurm-rehearsal)"; fi

# The image built from mpi-operator/Dockerfile with buildah and the MPIJob
# run as podman containers of it (installs podman, buildah and mmdebstrap if
# missing); needs root too. KEEP_IMAGES=1 keeps its two base images for a
# faster next run.
image-rehearsal: build
	@if [ "$$(id -u)" = 0 ]; then bash scripts/image-rehearsal.sh ./trainer; \
	elif [ -n "$$CI" ]; then echo "image-rehearsal: needs root, and CI runs as root" >&2; exit 1; \
	else echo "image-rehearsal: skipped (needs root: sudo make image-rehearsal)"; fi

test: deps fmt-check vet unit mpitest rehearsal slurm-rehearsal image-rehearsal

bench: deps
	bash scripts/bench.sh

costmodel: deps
	bash scripts/costmodel.sh

lint:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

sweep: build
	bash scripts/sweep.sh

hpsweep: build
	bash scripts/hpsweep.sh

sweepspeed: build
	bash scripts/sweep-speed.sh ./trainer

# Thresholds, workers and packages pass through the environment
# (EFFICACY, MCOVER, WORKERS, TIMEOUT_COEFF, ...: see scripts/mutate.sh).
PKGS ?=
mutate: deps
	bash scripts/mutate.sh $(PKGS)

clean:
	rm -f trainer
