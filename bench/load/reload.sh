#!/usr/bin/env bash
# Requests lost across seamless reloads: Epoxy (-sf, listeners handed over) vs HAProxy (-sf).
# Usage: bench/load/reload.sh epoxy|haproxy [wrk|h2load]   (needs nginx, wrk, h2load)
# Starts nginx as the backend, the proxy with -f cfg, then while the client runs, starts
# "-f cfg -sf <oldpid>" three times, one second apart; checks that each old process exits.
set -euo pipefail
which=${1:-epoxy}; client=${2:-wrk}
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir=$(mktemp -d /tmp/reload.XXXXXX); chmod 755 "$dir"
port=$((20000 + RANDOM % 20000)); bport=$((port + 1)); h2port=$((port + 2))
mkdir -p "$dir/www"; head -c 100 /dev/zero | tr '\0' x > "$dir/www/index.html"
cat > "$dir/nginx.conf" <<NG
worker_processes 1; daemon off; error_log $dir/nginx.err; pid $dir/nginx.pid;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; server { listen 127.0.0.1:$bport; root $dir/www; } }
NG
cat > "$dir/proxy.cfg" <<CFG
global
    nbthread 2
    hard-stop-after 30s
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 2s
    timeout http-keep-alive 2s
frontend fe
    bind 127.0.0.1:$port
    bind 127.0.0.1:$h2port proto h2
    default_backend be
backend be
    server s1 127.0.0.1:$bport
CFG
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/nginx.out" 2>&1 & pids+=($!)
if [ "$which" = epoxy ]; then
    start() { java --enable-native-access=ALL-UNNAMED -Xmx256m -jar "$root/java/target/epoxy.jar" -q -f "$dir/proxy.cfg" "$@" >> "$dir/proxy.log" 2>&1 & echo $!; }
else
    hap=${HAPROXY:-/work/shared/peers/haproxy-3.4.0}
    start() { "$hap" -q -f "$dir/proxy.cfg" "$@" >> "$dir/proxy.log" 2>&1 & echo $!; }
fi
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "127.0.0.1:$port/" && return 0; sleep 0.1; done; echo "no listener" >&2; return 1; }
p=$(start); pids+=($p); wait_port
if [ "$client" = wrk ]; then
    wrk -c 20 -t 2 -d 6s "http://127.0.0.1:$port/" > "$dir/client.out" 2>&1 & cpid=$!
else
    h2load -c 10 -m 10 -D 6 --log-file="$dir/h2.log" "http://127.0.0.1:$h2port/" > "$dir/client.out" 2>&1 & cpid=$!
fi
old=()
for i in 1 2 3; do
    sleep 1.2
    n=$(start -sf "$p"); pids+=($n); old+=($p); p=$n
done
wait $cpid || true
cat "$dir/client.out" | grep -E "requests in|Socket errors|Non-2xx|Requests/sec|requests:|status codes|succeeded|errored|timeout" || true
for o in "${old[@]}"; do
    for _ in $(seq 300); do kill -0 "$o" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$o" 2>/dev/null; then echo "old process $o still running"; else echo "old process $o exited"; fi
done
echo "logs in $dir"
