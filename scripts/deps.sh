#!/usr/bin/env bash
# deps.sh: make sure the MPI toolchain and the BLAS the trainer builds and runs with are installed.
#
# Usage: scripts/deps.sh
#
# Checks for mpicc, mpirun and the ompi-c and openblas pkg-config entries. When
# any is missing and apt-get exists, installs Debian's openmpi-bin,
# libopenmpi-dev and libopenblas-dev (as root,
# or through sudo), retrying while another process holds the apt lock. Where apt
# is not available it says what to install and exits 1.
# Extra Debian packages can be named in DEPS_EXTRA (CI adds iproute2 and
# openssh-server for the multi-host rehearsal).
set -euo pipefail

have_mpi() {
	command -v mpicc >/dev/null 2>&1 &&
		command -v mpirun >/dev/null 2>&1 &&
		command -v pkg-config >/dev/null 2>&1 &&
		{ pkg-config --exists ompi-c || pkg-config --exists mpich; } &&
		pkg-config --exists openblas
}

extra=${DEPS_EXTRA:-}
if have_mpi && [ -z "$extra" ]; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	cat >&2 <<'MSG'
deps: OpenMPI or OpenBLAS is missing and apt-get is not available on this machine.
deps: install an MPI implementation with its compiler wrappers and pkg-config files, e.g.
deps:   Fedora/RHEL: dnf install openmpi openmpi-devel openblas-devel pkgconf   (then: module load mpi/openmpi-x86_64)
deps:   macOS:       brew install open-mpi openblas pkg-config
deps:   MPICH:       install mpich and build with: make build GOFLAGS=-tags=mpich
deps: or build a single-rank trainer with no MPI at all: go build -tags nompi -o trainer .
MSG
	exit 1
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
	sudo=sudo
fi

pkgs="openmpi-bin libopenmpi-dev pkg-config libopenblas-dev $extra"
echo "deps: installing $pkgs with apt-get"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6; do
	if $sudo apt-get update -qq &&
		$sudo apt-get install -y -qq $pkgs >/dev/null; then
		break
	fi
	if [ "$attempt" = 6 ]; then
		echo "deps: apt-get install $pkgs failed" >&2
		exit 1
	fi
	echo "deps: apt-get failed (lock held or mirror busy), retrying in $((attempt * 10)) s" >&2
	sleep $((attempt * 10))
done

if ! have_mpi; then
	echo "deps: installed $pkgs but mpicc, mpirun or pkg-config ompi-c/openblas is still missing" >&2
	exit 1
fi
echo "deps: $(mpirun --version 2>/dev/null | head -n 1)"
