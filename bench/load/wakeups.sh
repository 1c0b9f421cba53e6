#!/usr/bin/env bash
# Who pays for waking whom: one bounded wrk run (one thread, -c50, pinned to CPU 1) through a
# running proxy, and per request: req/s, the proxy's and nginx's CPU (utime+stime from /proc),
# and the wake-up IPIs sent by nginx and by wrk (`ipi:ipi_send_cpu` from ttwu_queue_wakelist:
# a wake-up of a task on an idle CPU, which on a VM goes through the hypervisor). Used for
# bench/README.md, round 13. Needs perf with tracepoints (run as root).
#
#   bench/load/wakeups.sh PROXY_PID PORT PATH NGINX_PID [SECONDS]
#   e.g. bench/load/wakeups.sh "$(pgrep -f epoxy.jar)" 28402 /4k "$(cat /tmp/nginx.pid)" 4
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,9p' "$0"; exit 2; }
pid=$1; port=$2; path=$3; ng=$4; dur=${5:-4}
case "$port" in *[!0-9]*) echo "PORT must be a number" >&2; exit 2;; esac
tmp=$(mktemp -d /tmp/epoxy-wakeups.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
clk=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
p0=$(cpu "$pid"); n0=$(cpu "$ng")
perf record -q -a -e ipi:ipi_send_cpu -o "$tmp/ipi.data" -- \
    timeout $((dur + 10)) taskset -c 1 wrk -t1 -c50 -d"${dur}s" "http://127.0.0.1:$port$path" > "$tmp/wrk.out" 2>/dev/null
p1=$(cpu "$pid"); n1=$(cpu "$ng")
reqs=$(awk '/requests in/{print $1}' "$tmp/wrk.out")
[ -n "$reqs" ] && [ "$reqs" -gt 0 ] || { echo "no requests completed" >&2; cat "$tmp/wrk.out" >&2; exit 1; }
perf script -i "$tmp/ipi.data" -F comm,trace 2>/dev/null | awk -v r="$reqs" -v clk="$clk" \
    -v rps="$(awk '/Requests\/sec/{printf "%d", $2}' "$tmp/wrk.out")" \
    -v p="$((p1 - p0))" -v n="$((n1 - n0))" '
    /ttwu_queue_wakelist/ { w[$1]++ }
    END { printf "req/s %d  us/req: proxy %.2f nginx %.2f  wake-up IPIs/req: by nginx %.3f by wrk %.3f\n",
                 rps, p * 1e6 / clk / r, n * 1e6 / clk / r, w["nginx"] / r, w["wrk"] / r }'
