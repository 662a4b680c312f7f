#!/usr/bin/env bash
# k8s-sweep.sh: a strong-scaling sweep on a Kubernetes cluster: the MPIJob
# overlays one after another (same global batch), then the charts.
#
# Usage: IMAGE=REGISTRY/mpitrain:TAG scripts/k8s-sweep.sh
#
# Settings (environment, default in brackets):
#   IMAGE       the image built from mpi-operator/Dockerfile (required)
#   OVERLAYS    overlays run in turn; single (1 rank) is the reference the
#               speedups are measured against        [single workers-2 workers-4 workers-8]
#   NAMESPACE   namespace of the jobs                                      [default]
#   EPOCHS      epochs per run                                             [5]
#   BATCH_SIZE  the global batch, the same for every run (strong scaling)  [128]
#   DTYPE       float32 | float64                                          [float32]
#   RESULTS     parent folder of the sweep                                 [results]
#   SWEEP_ID    sweep folder name                                     [k8s-sweep-<UTC time>]
#   TRAINER     local trainer binary that draws the charts                 [./trainer]
#   TIMEOUT     seconds per run (passed to k8s-run.sh)                     [3600]
#   KUBECTL     the kubectl command                                        [kubectl]
#
# Each overlay runs through scripts/k8s-run.sh with
#   --tag strong --epochs EPOCHS --batch_size BATCH_SIZE --dtype DTYPE --no_plots
# and RUN_ID SWEEP_ID-OVERLAY on the cluster's volume; its run folder is
# copied to RESULTS/SWEEP_ID/runs/OVERLAY/. Then
#   TRAINER plot scaling RESULTS/SWEEP_ID
# writes summary.csv, scaling.png, breakdown.png and report.md there.
# Ranks per overlay: single 1, workers-N N+1 (the launcher runs rank 0).
# Stops at the first run that fails.
set -euo pipefail

if [[ $# -ne 0 ]]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi

OVERLAYS=${OVERLAYS:-"single workers-2 workers-4 workers-8"}
NAMESPACE=${NAMESPACE:-default}
EPOCHS=${EPOCHS:-5}
BATCH_SIZE=${BATCH_SIZE:-128}
DTYPE=${DTYPE:-float32}
RESULTS=${RESULTS:-results}
SWEEP_ID=${SWEEP_ID:-k8s-sweep-$(date -u +%Y%m%d-%H%M%S)}
TRAINER=${TRAINER:-./trainer}
TIMEOUT=${TIMEOUT:-3600}
KUBECTL=${KUBECTL:-kubectl}

say() { printf 'k8s-sweep: %s\n' "$*"; }
die() {
	printf 'k8s-sweep: %s\n' "$*" >&2
	exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -n ${IMAGE:-} ]] || die "set IMAGE to the pushed image (see mpi-operator/README.md)"
[[ -x $TRAINER ]] || die "no trainer at $TRAINER to draw the charts: make build"
[[ $SWEEP_ID =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "SWEEP_ID \"$SWEEP_ID\": use letters, digits, . _ -"
read -r -a overlays <<<"$OVERLAYS"
for ov in "${overlays[@]}"; do
	[[ -f $repo/mpi-operator/overlays/$ov/kustomization.yaml ]] || die "no overlay $ov"
done
sweep=$RESULTS/$SWEEP_ID
[[ ! -e $sweep ]] || die "$sweep exists already: pick another SWEEP_ID"
mkdir -p "$sweep/runs"

t_start=$SECONDS
for ov in "${overlays[@]}"; do
	say "run $ov ($(date -u +%H:%M:%S))"
	OVERLAY=$ov \
		NAMESPACE=$NAMESPACE \
		IMAGE=$IMAGE \
		RUN_ID=$SWEEP_ID-$ov \
		OUT=$sweep/runs \
		TIMEOUT=$TIMEOUT \
		KUBECTL=$KUBECTL \
		TRAINER_ARGS="--tag strong --epochs $EPOCHS --batch_size $BATCH_SIZE --dtype $DTYPE --no_plots" \
		bash "$repo/scripts/k8s-run.sh"
	mv "$sweep/runs/$SWEEP_ID-$ov" "$sweep/runs/$ov"
done

"$TRAINER" plot scaling "$sweep"
say "done in $((SECONDS - t_start))s: $sweep/{summary.csv,scaling.png,breakdown.png,report.md}"
