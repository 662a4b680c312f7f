#!/usr/bin/env bash
# Mutation testing with gremlins: each package's tests must fail when its
# code is changed (a comparison flipped, a + made a -, a loop bound moved).
#
# Usage: scripts/mutate.sh [PKG...]          (default: every package below)
#   EFFICACY=95 MCOVER=95 scripts/mutate.sh mlp data
#   WORKERS=1 TIMEOUT_COEFF=20 scripts/mutate.sh mlp/eval
#
# Packages, one gremlins run each, and their gates:
#   mlp          the engine and the models (its sub-packages run on their own)
#   data         loading, cleaning, windows, normalisation, NPZ
#   mlp/eval     evaluation reports and the Diebold-Mariano test
#   mlp/sweep    sweep grids, plans and reports
#   mlp/budget   memory estimate and limits
#   plotting     figures (gated lower: see SOFT below)
#   collective   communicators on a single rank, no mpirun (reported only:
#                the Open MPI calls of mpi.go run only under mpirun, in
#                scripts/mpitest.sh, which gremlins cannot drive)
#   mlp/cblas    the cgo binding to OpenBLAS and its gonum twin (reported only)
#   mlp/trace    the per-rank span buffer of --trace (reported only)
#
# Gates: a gated package passes when its test efficacy and its mutant
# coverage are both at least the threshold, computed with the mutants listed
# in scripts/mutants-equivalent.txt set aside:
#   efficacy = killed / (killed + lived - listed lived)
#   coverage = (killed + lived - listed lived)
#              / (killed + lived - listed lived + not covered - listed not covered)
# Gremlins' own figures (nothing set aside) are printed beside them. Timed
# out mutants count in neither figure (gremlins' rule); they are printed so a
# loaded machine's spurious timeouts can be seen. A listed mutant that was
# killed is reported as a stale entry of the list.
#
#   EFFICACY, MCOVER   thresholds for mlp, data, mlp/eval, mlp/sweep, mlp/budget (95, 95)
#   SOFT_EFFICACY, SOFT_MCOVER   thresholds for plotting (80, 80)
#   WORKERS            gremlins workers (2)
#   TIMEOUT_COEFF      a mutant's tests time out after this many times the
#                      coverage run (10: generous, the machine is shared)
#   EQUIV              the list of equivalent mutants
#   OUT                where the logs and JSON results go (a new temporary folder)
#
# Each mutant's tests are a fresh `go test -failfast` of its package, with
# GOFLAGS (set here) adding
#   -count=1     no cached results: the coverage run, whose time sets the
#                timeout, is a real run too
#   -vet=off     go vet runs in `make test`, not once per mutant
#   -ldflags=-linkmode=internal -w -s
#                Go's own linker and no debug information: a test binary
#                links in half the time (the binaries are only run, never
#                debugged). Where the internal linker cannot link a package,
#                it is linked as usual.
# Before gremlins, each package's tests must pass with these flags.
# Exit status: 0 when every gated package passes, 1 when one misses, 2 on a
# usage or tool error (including failing tests).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

EFFICACY=${EFFICACY:-95}
MCOVER=${MCOVER:-95}
SOFT_EFFICACY=${SOFT_EFFICACY:-80}
SOFT_MCOVER=${SOFT_MCOVER:-80}
WORKERS=${WORKERS:-2}
TIMEOUT_COEFF=${TIMEOUT_COEFF:-10}
EQUIV=${EQUIV:-$repo/scripts/mutants-equivalent.txt}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/mutate.XXXXXX")}
GREMLINS_VERSION=v0.6.0

all_pkgs=(mlp data mlp/eval mlp/sweep mlp/budget plotting collective mlp/cblas mlp/trace)
if [[ $# -gt 0 ]]; then
	pkgs=("$@")
else
	pkgs=("${all_pkgs[@]}")
fi

# gate PKG -> "EFF MCOV" thresholds, or "-" for a package only reported.
gate() {
	case $1 in
	mlp | data | mlp/eval | mlp/sweep | mlp/budget) echo "$EFFICACY $MCOVER" ;;
	plotting) echo "$SOFT_EFFICACY $SOFT_MCOVER" ;;
	collective | mlp/cblas | mlp/trace) echo "-" ;;
	*) echo "mutate: unknown package $1 (one of: ${all_pkgs[*]})" >&2; return 2 ;;
	esac
}

# excludes PKG -> gremlins -E flags: a run covers a folder and everything
# under it, so mlp's run leaves its sub-packages to their own runs (and
# mlp/cblas, the cgo binding to OpenBLAS, is checked against gonum by its
# tests and by mlp's, not mutated).
excludes() {
	case $1 in
	mlp) echo "-E ^(eval|sweep|budget|cblas|trace)/" ;;
	esac
}

for p in "${pkgs[@]}"; do gate "$p" >/dev/null || exit 2; done

gremlins=$(command -v gremlins || true)
if [[ -z $gremlins && -x $(go env GOPATH)/bin/gremlins ]]; then
	gremlins=$(go env GOPATH)/bin/gremlins
fi
if [[ -z $gremlins ]] || ! go version -m "$gremlins" 2>/dev/null | grep -q "go-gremlins/gremlins[[:space:]]*$GREMLINS_VERSION"; then
	echo "mutate: installing gremlins $GREMLINS_VERSION" >&2
	go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
	gremlins=$(go env GOPATH)/bin/gremlins
fi

mkdir -p "$OUT"
echo "mutate: gremlins $GREMLINS_VERSION, $WORKERS workers, timeout x$TIMEOUT_COEFF, $(nproc) cores; logs in $OUT"
[[ -f $EQUIV ]] || echo "mutate: no list of equivalent mutants at $EQUIV" >&2

# mutate_one DIR FILE LINE COL MUTATOR: apply gremlins' token change for
# MUTATOR at FILE:LINE:COL (COL in bytes, 1-based) in the copy DIR.
# Fails when the token there is not one MUTATOR changes.
mutate_one() {
	local f=$1/$2 tmp
	tmp=$(mktemp)
	awk -v ln="$3" -v col="$4" -v mut="$5" '
		BEGIN {
			m["CONDITIONALS_BOUNDARY"] = ">= > > >= <= < < <="
			m["CONDITIONALS_NEGATION"] = "== != != == >= < > <= <= > < >="
			m["ARITHMETIC_BASE"] = "+ - - + * / / * % *"
			m["INCREMENT_DECREMENT"] = "++ -- -- ++"
			m["INVERT_NEGATIVES"] = "- +"
			n = split(m[mut], t, " ")
		}
		NR == ln {
			rest = substr($0, col); done = 0
			for (i = 1; i < n && !done; i += 2)       # two-byte tokens first
				if (length(t[i]) == 2 && substr(rest, 1, 2) == t[i]) { $0 = substr($0, 1, col-1) t[i+1] substr(rest, 3); done = 1 }
			for (i = 1; i < n && !done; i += 2)
				if (length(t[i]) == 1 && substr(rest, 1, 1) == t[i] && substr(rest, 2, 1) !~ /[=+-]/) { $0 = substr($0, 1, col-1) t[i+1] substr(rest, 2); done = 1 }
			if (!done) exit 3
		}
		{ print }' "$f" >"$tmp" && cat "$tmp" >"$f"
	local rc=$?
	rm -f "$tmp"
	return $rc
}

# rerun_not_covered PKG LIST: gremlins marks a mutant NOT COVERED when its
# position lies in no block of the coverage profile, and `go test -cover`
# makes no block of a switch's case expressions, of constant declarations or
# of array lengths: tests that run through every case of a switch still leave
# its conditions "not covered". Each NOT COVERED mutant is therefore run here
# as gremlins runs the others (the same token change, `go test -failfast` of
# the package in a copy of the module, the same timeout): killed ones count
# as killed ("killed on re-run"), ones whose tests still pass stay NOT
# COVERED (untested code, or tested and not killed: either way they need a
# test or an entry in the list).
rerun_not_covered() {
	local p=$1 list=$2 src st mut pos file ln col rc limit
	src=$OUT/src
	rm -rf "$src" && mkdir -p "$src"
	tar -C "$repo" --exclude=./.git --exclude=./outputs --exclude=./results -cf - . | tar -C "$src" -xf -
	limit=$((pretest_secs * TIMEOUT_COEFF + 60))
	while IFS='|' read -r st mut pos; do
		if [[ $st != "NOT COVERED" ]]; then
			echo "$st|$mut|$pos"
			continue
		fi
		file=${pos%%:*} ln=${pos#*:} col=${ln#*:} ln=${ln%%:*}
		if ! mutate_one "$src/$p" "$file" "$ln" "$col" "$mut"; then
			echo "mutate: $p $pos $mut: no such token to change" >&2
			echo "$st|$mut|$pos"
			continue
		fi
		rc=0
		(cd "$src" && GOFLAGS=$goflags timeout "$limit" go test -failfast "./$p" >"$OUT/rerun.out" 2>&1) || rc=$?
		cp "$repo/$p/$file" "$src/$p/$file"
		case $rc in
		0) echo "NOT COVERED|$mut|$pos" ;;
		1) if grep -q '^--- FAIL\|^FAIL' "$OUT/rerun.out" && ! grep -q '\[build failed\]\|\[setup failed\]' "$OUT/rerun.out"; then
			echo "KILLED ON RERUN|$mut|$pos"
		else
			echo "NOT VIABLE|$mut|$pos"
		fi ;;
		124) echo "TIMED OUT|$mut|$pos" ;;
		*) echo "NOT VIABLE|$mut|$pos" ;;
		esac
	done <"$list"
}

# The whole run is one function, read in full before it starts: editing
# this file while it runs (it runs for hours) cannot change what it does.
main() {
	summary=()
	status=0
	for p in "${pkgs[@]}"; do
		pretest_secs=
		name=${p//\//-}
		log=$OUT/$name.log
		rm -f "$OUT/$name.lived"
		start=$(date +%s)
		goflags='-count=1 -vet=off "-ldflags=-linkmode=internal -w -s"'
		if [[ -n ${REUSE:-} ]] && grep -q "Mutation testing completed" "$log" 2>/dev/null; then
			# REUSE=1 OUT=dir: summarise a finished gremlins log of that folder
			# again (after editing the list, or to gather packages run apart).
			secs=$(grep -o '"elapsed_time":[0-9.]*' "$OUT/$name.json" | cut -d: -f2 | cut -d. -f1)
			start=$((start - ${secs:-0}))
			pretest_secs=60
		elif ! GOFLAGS=$goflags go test "./$p" >"$OUT/$name.pretest" 2>&1; then
			goflags='-count=1 -vet=off'
			if ! GOFLAGS=$goflags go test "./$p" >"$OUT/$name.pretest" 2>&1; then
				echo "mutate: the tests of $p fail before any mutation:" >&2
				tail -20 "$OUT/$name.pretest" >&2
				exit 2
			fi
		fi
		if [[ -z ${pretest_secs:-} ]]; then
			pretest_secs=$(($(date +%s) - start))
			# shellcheck disable=SC2046 # excludes is a list of flags
			GOFLAGS=$goflags "$gremlins" unleash "./$p" $(excludes "$p") \
				--workers "$WORKERS" --timeout-coefficient "$TIMEOUT_COEFF" \
				-o "$OUT/$name.json" >"$log" 2>&1 || true
		fi
		if ! grep -q "Mutation testing completed" "$log"; then
			echo "mutate: gremlins failed on $p:" >&2
			tail -20 "$log" >&2
			exit 2
		fi
		# One line per mutant, "STATUS MUTATOR at FILE:LINE:COL" in the log
		# (NOT COVERED, TIMED OUT and NOT VIABLE are two words), becomes
		# "STATUS|MUTATOR|FILE:LINE:COL".
		sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
			/ at [^ ]+:[0-9]+:[0-9]+[[:space:]]*$/ {
				st = $(NF-3); if ($(NF-4) == "NOT" || $(NF-4) == "TIMED") st = $(NF-4) " " st
				print st "|" $(NF-2) "|" $NF
			}' >"$OUT/$name.gremlins"
		gsecs=$(($(date +%s) - start))
		rerun_not_covered "$p" "$OUT/$name.gremlins" >"$OUT/$name.mutants"
		secs=$(($(date +%s) - start))
		read -r teff tmcov <<<"$(gate "$p" | sed 's/^-$/- -/')"
		line=$(awk -F'|' -v pkg="$p" -v equiv="$EQUIV" -v teff="$teff" -v tmcov="$tmcov" \
			-v secs="$secs" -v lived="$OUT/$name.lived" '
			BEGIN {
				while ((getline l < equiv) > 0) {
					if (l ~ /^[[:space:]]*(#|$)/) continue
					split(l, f, /[[:space:]]+/)
					if (f[1] == pkg) listed[f[2] " " f[3]] = 1
				}
			}
			{
				st = $1; key = $3 " " $2
				if (st == "KILLED ON RERUN") { rerun++; st = "KILLED" }
				n[st]++
				if (key in listed) {
					seen[key] = 1
					if (st == "KILLED") print "mutate: " pkg " " key ": listed, but killed (a stale entry)" > "/dev/stderr"
					else eq[st]++
				} else if (st == "LIVED" || st == "NOT COVERED")
					print st " " pkg " " $3 " " $2 > lived
			}
			END {
				for (k in listed) if (!(k in seen)) print "mutate: " pkg " " k ": listed, but no such mutant (a stale entry)" > "/dev/stderr"
				k = n["KILLED"]+0; l = n["LIVED"]+0; nc = n["NOT COVERED"]+0
				le = eq["LIVED"]+0; nce = eq["NOT COVERED"]+0
				raweff = (k+l) ? 100*k/(k+l) : 100
				rawcov = (k+l+nc) ? 100*(k+l)/(k+l+nc) : 100
				eff = (k+l-le) ? 100*k/(k+l-le) : 100
				cov = (k+l-le+nc-nce) ? 100*(k+l-le)/(k+l-le+nc-nce) : 100
				verdict = "REPORT"
				if (teff != "-") verdict = (eff >= teff && cov >= tmcov) ? "PASS" : "MISS"
				printf "%s|%d|%d|%d|%d|%d|%d|%d|%.2f|%.2f|%.2f|%.2f|%s|%s|%s|%d|%d|%d\n", pkg, k+l+n["TIMED OUT"], k, l, le, nc, nce,
					n["TIMED OUT"]+0, raweff, rawcov, eff, cov, teff, tmcov, verdict, secs, rerun+0, n["NOT VIABLE"]+0
			}' "$OUT/$name.mutants")
		IFS='|' read -r _ run k l le nc nce to raweff rawcov eff cov _ _ verdict _ rerun nv <<<"$line"
		echo
		echo "== $p: $((secs / 60))m$((secs % 60))s (gremlins $((gsecs / 60))m$((gsecs % 60))s, re-run of its not covered $(((secs - gsecs) / 60))m$(((secs - gsecs) % 60))s)"
		echo "   runnable $run: killed $k ($rerun of them on re-run), lived $l ($le listed), timed out $to; not covered $nc ($nce listed); not viable $nv"
		echo "   test efficacy $eff% (nothing set aside: $raweff%)"
		echo "   mutant coverage $cov% (nothing set aside: $rawcov%)"
		if [[ -s $OUT/$name.lived ]]; then
			echo "   neither killed nor listed:"
			sed 's/^/     /' "$OUT/$name.lived"
		fi
		summary+=("$line")
		[[ $verdict == MISS ]] && status=1
	done

	echo
	for s in "${summary[@]}"; do
		IFS='|' read -r p _ _ _ _ _ _ _ _ _ eff cov teff tmcov verdict secs <<<"$s"
		if [[ $verdict == REPORT ]]; then
			printf 'mutate: %-5s %-11s efficacy %6s%%  coverage %6s%%  (not gated)  %dm%02ds\n' "$verdict" "$p" "$eff" "$cov" $((secs / 60)) $((secs % 60))
		else
			printf 'mutate: %-5s %-11s efficacy %6s%% (>= %s)  coverage %6s%% (>= %s)  %dm%02ds\n' "$verdict" "$p" "$eff" "$teff" "$cov" "$tmcov" $((secs / 60)) $((secs % 60))
		fi
	done
	return $status
}

main; exit $?
