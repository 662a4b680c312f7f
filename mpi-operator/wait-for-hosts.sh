#!/bin/sh
# wait-for-hosts: wait until every host of an MPI hostfile resolves, then run a command.
#
# Usage: wait-for-hosts HOSTFILE COMMAND [ARG...]
#
# The MPIJob launcher starts mpirun through it (the image installs it as
# /usr/local/bin/wait-for-hosts). A pod's DNS record appears a moment after
# the pod is ready, and OpenMPI decides whether a hostfile line is the local
# pod by resolving it: a name that does not resolve yet makes mpirun fail to
# reach a worker, or take the launcher for a remote host. Each line's first
# word is looked up with `getent ahosts` (getaddrinfo, as OpenMPI does; an
# address stands for itself); blank lines and # comments are skipped. It
# waits at most WAIT_FOR_HOSTS_SECONDS in total (default 120), then exits 1
# naming the host that does not resolve; otherwise it replaces itself with
# COMMAND.
set -eu

if [ "$#" -lt 2 ]; then
	echo "usage: wait-for-hosts HOSTFILE COMMAND [ARG...]" >&2
	exit 2
fi
hostfile=$1
shift
if [ ! -r "$hostfile" ]; then
	echo "wait-for-hosts: cannot read $hostfile" >&2
	exit 1
fi

limit=${WAIT_FOR_HOSTS_SECONDS:-120}
start=$(date +%s)
count=0
while read -r host _; do
	case $host in '' | '#'*) continue ;; esac
	until getent ahosts "$host" >/dev/null 2>&1; do
		if [ $(($(date +%s) - start)) -ge "$limit" ]; then
			echo "wait-for-hosts: $host does not resolve after ${limit}s" >&2
			exit 1
		fi
		sleep 2
	done
	count=$((count + 1))
done <"$hostfile"

echo "wait-for-hosts: $count host(s) of $hostfile resolve ($(($(date +%s) - start))s)"
exec "$@"
