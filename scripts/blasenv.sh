#!/usr/bin/env bash
# blasenv.sh: the OpenBLAS environment a trainer rank should start with.
#
# Usage: eval "$(scripts/blasenv.sh)"                 # export what is needed, if anything
#        mpirun $(scripts/blasenv.sh --mpirun-flags) ...  # -x NAME for each OPENBLAS_* set
#
# OpenBLAS picks its kernels once, when the library loads, from the CPU or
# from OPENBLAS_CORETYPE; setting the variable from inside the program is
# too late, so the launcher must. Debian's OpenBLAS 0.3.21 does not know
# some newer CPUs with AVX-512 (Intel family 6 model 207 falls back to SSE3
# "Prescott" kernels; AMD Zen 4/5 get the AVX2 "Zen" ones), and its AVX-512
# kernels ("SkylakeX") are about twice as fast there. Forced on a CPU
# without AVX-512 they crash. So this prints
#
#   export OPENBLAS_CORETYPE=SkylakeX
#
# only when all of these hold, and prints nothing otherwise:
#   1. OPENBLAS_CORETYPE is not set at all (a value set by the user or the
#      machine is always kept, even an empty one);
#   2. the CPU has AVX-512 F, CD, BW, DQ and VL (what the SkylakeX kernels
#      use), per /proc/cpuinfo;
#   3. OpenBLAS, asked with the variable unset, picks a kernel set without
#      AVX-512 (anything but SkylakeX, Cooperlake or SapphireRapids). It is
#      asked through a five-line C program built with cc against
#      pkg-config's openblas in a temporary folder; without cc or OpenBLAS
#      there is nothing to correct and nothing is printed.
#
# --mpirun-flags prints "-x NAME" for every OPENBLAS_* variable set in the
# environment (after the eval above), so that mpirun passes them to ranks
# on other hosts too; mpirun warns about -x of an unset variable.
# BLASENV_VERBOSE=1 says on stderr why nothing or something was printed.
set -euo pipefail

say() {
	if [[ ${BLASENV_VERBOSE:-} == 1 ]]; then
		echo "blasenv: $*" >&2
	fi
}

if [[ ${1:-} == --mpirun-flags ]]; then
	xs=()
	while IFS='=' read -r name _; do
		if [[ $name == OPENBLAS_* ]]; then
			xs+=(-x "$name")
		fi
	done < <(env)
	echo "${xs[*]:-}"
	exit 0
elif [[ $# -gt 0 ]]; then
	echo "usage: blasenv.sh [--mpirun-flags]" >&2
	exit 2
fi

if [[ -n ${OPENBLAS_CORETYPE+set} ]]; then
	say "OPENBLAS_CORETYPE is already set (\"$OPENBLAS_CORETYPE\"); keeping it"
	exit 0
fi

cpu=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
for f in avx512f avx512cd avx512bw avx512dq avx512vl; do
	if [[ " $cpu " != *" $f "* ]]; then
		say "the CPU lacks $f: OpenBLAS's own choice stands"
		exit 0
	fi
done

if ! command -v cc >/dev/null 2>&1 || ! pkg-config --exists openblas 2>/dev/null; then
	say "no cc or no pkg-config openblas: cannot ask OpenBLAS, so nothing to correct"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
cat >"$tmp/core.c" <<'C'
#include <stdio.h>
char *openblas_get_corename(void);
int main(void) { puts(openblas_get_corename()); return 0; }
C
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
if ! cc -o "$tmp/core" "$tmp/core.c" $(pkg-config --cflags --libs openblas) 2>/dev/null; then
	say "could not build the OpenBLAS probe: nothing to correct"
	exit 0
fi
core=$(OPENBLAS_NUM_THREADS=1 "$tmp/core" 2>/dev/null || true)
case ${core,,} in
skylakex | cooperlake | sapphirerapids)
	say "OpenBLAS picks $core kernels (AVX-512) by itself"
	;;
"")
	say "the OpenBLAS probe printed nothing: nothing to correct"
	;;
*)
	say "the CPU has AVX-512 but OpenBLAS picks $core kernels: forcing SkylakeX"
	echo "export OPENBLAS_CORETYPE=SkylakeX"
	;;
esac
