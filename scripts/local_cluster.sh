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
#
# Like `mpirun --bind-to core`, each process is bound to its own share of this
# machine's CPUs (`--cpus`): process i gets the i-th of P equal shares, as long as a
# share has a CPU for each of the process's workers (--workers, default 2; workers
# that share a CPU would take turns on it for whole time slices, which is slower than
# leaving them unbound). Give --cpus yourself, or set LADDER_BIND=0, to leave the
# processes unbound.
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

# The CPUs this script may use, one per element ("0-3,6" becomes 0 1 2 3 6).
cpus=()
allowed=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status 2>/dev/null)
IFS=, read -ra ranges <<< "$allowed"
for range in "${ranges[@]}"; do
    first=${range%-*}
    last=${range#*-}
    for ((c = first; c <= last; c++)); do cpus+=("$c"); done
done
bind=${LADDER_BIND:-1}
workers=2
previous=
for arg in "$@"; do
    case "$arg" in
        --cpus | --cpus=*) bind=0 ;;
        --workers=*) workers=${arg#--workers=} ;;
    esac
    [ "$previous" = --workers ] && workers=$arg
    previous=$arg
done
share=$(( ${#cpus[@]} / processes ))
if ! [[ $workers =~ ^[0-9]+$ ]] || [ "$share" -lt 1 ] || [ "$share" -lt "$workers" ]; then
    bind=0
fi
# Process $1's --cpus, if processes are bound.
cpus_of() {
    [ "$bind" = 1 ] || return 0
    local list=("${cpus[@]:$(($1 * share)):$share}")
    local joined
    joined=$(IFS=,; echo "${list[*]}")
    echo "--cpus $joined"
}

pids=()
for ((i = 1; i < processes; i++)); do
    # shellcheck disable=SC2046 # cpus_of prints two words or none
    "$ladder" fit --stage distributed --hosts "$hosts" --process "$i" $(cpus_of "$i") "${others[@]}" &
    pids+=($!)
done
# shellcheck disable=SC2046
"$ladder" fit --stage distributed --hosts "$hosts" --process 0 $(cpus_of 0) "$@"
status=$?
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit $status
