#!/usr/bin/env bash
# Runs `ladder fit --stage distributed` as a cluster of P processes on this machine
# (loopback), waits for all of them, and leaves process 0's result where --out says.
#
#   scripts/local_cluster.sh P [ladder fit arguments...]
#   scripts/local_cluster.sh 2 --input big.npy --k 10 --out result.json
#
# The launcher is `ladder cluster` (this script only finds the binary and passes the
# environment on): LADDER (default: `ladder` on PATH, else target/release/ladder) is the
# binary; PORT, if set, is process 0's port and the others follow (default: free ports).
# Like `mpirun --bind-to core`, each process is bound to its own share of this machine's
# CPUs when a share has a CPU for each of its workers; give --cpus yourself, or set
# LADDER_BIND=0, to leave the processes unbound. Exits non-zero if any process fails;
# every process is bounded by --timeout (default 600 s).
set -uo pipefail
if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 PROCESSES [ladder fit arguments...]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")/.." && pwd)
ladder=${LADDER:-$(command -v ladder || echo "$here/target/release/ladder")}
options=()
[ -n "${PORT:-}" ] && options+=(--port "$PORT")
[ "${LADDER_BIND:-1}" = 0 ] && options+=(--no-bind)
exec "$ladder" cluster "${options[@]}" "$@"
