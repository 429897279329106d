#!/usr/bin/env bash
# Runs `ladder fit --stage distributed` as a cluster of P processes on this machine
# (loopback), waits for all of them, and leaves process 0's result where --out says.
#
#   scripts/local_cluster.sh P [ladder fit arguments...]
#   scripts/local_cluster.sh 2 --input big.npy --k 10 --out result.json
#
# LADDER (default: `ladder` on PATH, else target/release/ladder) is the binary;
# PORT (default 47100) is process 0's port, the others follow. Exits non-zero if any
# process fails; every process is bounded by --timeout (default 600 s).
set -uo pipefail
if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 PROCESSES [ladder fit arguments...]" >&2
    exit 2
fi
processes=$1
shift
here=$(cd "$(dirname "$0")/.." && pwd)
ladder=${LADDER:-$(command -v ladder || echo "$here/target/release/ladder")}
port=${PORT:-47100}
hosts=$(mktemp)
trap 'rm -f "$hosts"' EXIT
for ((i = 0; i < processes; i++)); do echo "127.0.0.1:$((port + i))" >> "$hosts"; done

# Only process 0 keeps --out.
others=()
skip=0
for arg in "$@"; do
    if [ $skip = 1 ]; then skip=0; continue; fi
    if [ "$arg" = --out ]; then skip=1; continue; fi
    others+=("$arg")
done

pids=()
for ((i = 1; i < processes; i++)); do
    "$ladder" fit --stage distributed --hosts "$hosts" --process "$i" "${others[@]}" &
    pids+=($!)
done
"$ladder" fit --stage distributed --hosts "$hosts" --process 0 "$@"
status=$?
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit $status
