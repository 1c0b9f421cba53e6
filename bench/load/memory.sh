#!/usr/bin/env bash
# Memory bench: Epoxy vs HAProxy 3.4 in front of the same nginx, on 127.0.0.1 only. For each proxy
# (started fresh, same generated config) it prints the RSS (VmRSS, kB) at start, after a bounded
# wrk run, per idle keep-alive connection (5000 of them, one request each), and the peak and the
# after-figures (and 10 s later, for the flood) of two attacks: never-reading clients that pipeline 64 requests for 4 MiB, and an
# HTTP/2 rapid-reset flood with reconnects (bench/load/memclients.py). Every process started here
# is stopped on exit; every client is bounded and under `timeout`.
#
#   bench/load/memory.sh                 both proxies
#   ONLY=epoxy bench/load/memory.sh      one of them (epoxy | haproxy)
#
# Environment: IDLE (5000), SLOW (clients, 100), FLOOD_CONNS (200), FLOOD_STREAMS (1000),
# NBTHREAD (1), PORT_BASE (18280), HAPROXY (/work/shared/peers/haproxy-3.4.0),
# EPOXY (command, default bin/epoxy), EXTRA_GLOBAL (lines added to both global sections).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
IDLE="${IDLE:-5000}"; SLOW="${SLOW:-100}"; FLOOD_CONNS="${FLOOD_CONNS:-200}"; FLOOD_STREAMS="${FLOOD_STREAMS:-1000}"
NBTHREAD="${NBTHREAD:-1}"; PORT_BASE="${PORT_BASE:-18280}"
HAPROXY="${HAPROXY:-/work/shared/peers/haproxy-3.4.0}"
EPOXY="${EPOXY:-$root/bin/epoxy}"
NGINX=/usr/sbin/nginx
P_NGINX=$PORT_BASE; P_PROXY=$((PORT_BASE + 1)); P_PROXY2=$((PORT_BASE + 2))
CLIENTS="$root/bench/load/memclients.py"

source "$root/bench/lib.sh"
bench_setup epoxy-mem

ports_free $P_NGINX $P_PROXY $P_PROXY2
mkdir -p "$tmp/www"
head -c 4194304 /dev/zero > "$tmp/www/4m"
cat > "$tmp/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 16384; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:$P_NGINX backlog=4096;
        root $tmp/www;
        location = / { return 200 "ok\n"; }
    }
}
EOF
cat > "$tmp/proxy.cfg" <<EOF
global
    nbthread $NBTHREAD
    maxconn 9000
${EXTRA_GLOBAL:-}
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout http-keep-alive 120s
    http-reuse safe
frontend fe
    bind 127.0.0.1:$P_PROXY
    bind 127.0.0.1:$P_PROXY2 proto h2
    default_backend be
backend be
    server s1 127.0.0.1:$P_NGINX
EOF

rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null; }
# Samples VmRSS every 0.1 s into $2 (the maximum) until $3 exists.
sampler() {
    local max=0 v
    while [ ! -e "$3" ] && kill -0 "$1" 2>/dev/null; do
        v=$(rss "$1"); [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
        sleep 0.1
    done
    echo "$max" > "$2"
}
waitfile() { for _ in $(seq 1 50); do [ -s "$1" ] && return 0; sleep 0.1; done; }
# Waits until the proxy has at most $2 established sockets to the client ports (settled), max 20 s.
settle() {
    for _ in $(seq 1 200); do
        n=$(ss -Htn state established "( sport = :$P_PROXY or sport = :$P_PROXY2 )" | wc -l)
        [ "$n" -le "${2:-0}" ] && return 0
        sleep 0.1
    done
}

"$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" &
pids+=($!)
wait_port $P_NGINX 10 || { echo "nginx did not start" >&2; exit 1; }

# Starts a holding client (memclients.py idle|slowread ...) and waits for its "ready" (max 100 s);
# hold_stop closes its stdin, which makes it close its connections and exit.
hold_start() {
    rm -f "$tmp/hold.in" "$tmp/hold.out"; mkfifo "$tmp/hold.in"
    timeout 150 python3 "$CLIENTS" "$@" < "$tmp/hold.in" > "$tmp/hold.out" 2>&1 &
    hold_pid=$!
    exec 7> "$tmp/hold.in"
    for _ in $(seq 1 1000); do grep -q ready "$tmp/hold.out" 2>/dev/null && break; kill -0 $hold_pid 2>/dev/null || break; sleep 0.1; done
    grep -v ready "$tmp/hold.out" >&2
}
hold_stop() { exec 7>&-; wait $hold_pid 2>/dev/null; }

run_one() { # name
    local name=$1 pid
    if [ "$name" = haproxy ]; then
        "$HAPROXY" -db -f "$tmp/proxy.cfg" > "$tmp/$name.log" 2>&1 &
    else
        "$EPOXY" -f "$tmp/proxy.cfg" > "$tmp/$name.log" 2>&1 &
    fi
    pid=$!
    pids+=($pid)
    wait_port $P_PROXY 30 || { echo "$name did not start" >&2; cat "$tmp/$name.log" >&2; return 1; }
    sleep 1
    local start; start=$(rss $pid)

    timeout 30 wrk -t1 -c50 -d5s "http://127.0.0.1:$P_PROXY/" > "$tmp/wrk.txt" 2>&1
    timeout 30 wrk -t1 -c50 -d5s "http://127.0.0.1:$P_PROXY/4m" > "$tmp/wrk4m.txt" 2>&1
    settle; sleep 1
    local load; load=$(rss $pid)

    # Idle keep-alive connections: RSS delta / count.
    local before; before=$(rss $pid)
    hold_start idle $P_PROXY "$IDLE"
    sleep 1
    local during; during=$(rss $pid)
    hold_stop
    local per=$(( (during - before) * 1024 / IDLE ))
    settle

    # Never-reading clients: peak while they are connected, then after they leave.
    rm -f "$tmp/stop"; sampler $pid "$tmp/peak1" "$tmp/stop" &
    hold_start slowread $P_PROXY "$SLOW" /4m 64
    sleep 5
    hold_stop
    touch "$tmp/stop"; waitfile "$tmp/peak1"
    settle; sleep 2
    local slowafter; slowafter=$(rss $pid)

    rm -f "$tmp/stop"; sampler $pid "$tmp/peak2" "$tmp/stop" &
    timeout 300 python3 "$CLIENTS" h2reset $P_PROXY2 "$FLOOD_CONNS" "$FLOOD_STREAMS" > "$tmp/flood.txt" 2>&1
    touch "$tmp/stop"; waitfile "$tmp/peak2"
    settle; sleep 2
    local floodafter; floodafter=$(rss $pid)
    sleep 10
    local floodlater; floodlater=$(rss $pid)
    local ok; ok=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_PROXY/")

    printf '%-8s start %7s kB | after wrk %7s kB | idle conn %6s B each (%s: %s -> %s kB) | slow readers peak %7s after %7s kB | h2 reset flood peak %7s after %7s, 10 s later %7s kB | still serving: %s\n' \
        "$name" "$start" "$load" "$per" "$IDLE" "$before" "$during" "$(cat "$tmp/peak1")" "$slowafter" \
        "$(cat "$tmp/peak2")" "$floodafter" "$floodlater" "$ok"
    awk '/^Requests\/sec/ { printf "         wrk %s req/s", $2 }' "$tmp/wrk.txt"
    awk '/^Requests\/sec/ { printf ", 4 MiB %s req/s", $2 } END { print "" }' "$tmp/wrk4m.txt"
    kill $pid; wait $pid 2>/dev/null
}

for name in ${ONLY:-haproxy epoxy}; do run_one "$name"; done
