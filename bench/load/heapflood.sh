#!/usr/bin/env bash
# A connection flood past what Epoxy's Java heap holds: Epoxy alone (HAProxy has no such heap),
# started with a small heap (XMX, default 24m, in place of bin/epoxy's -Xmx192m), in front of
# nginx. A client tries FLOOD (15000) HTTP/2 connections, a GET on each, kept open, for at most
# SECONDS (60); then it closes them and curl asks through the proxy. Prints what the client got,
# the full collections and the OutOfMemoryErrors of that run, whether the listeners paused
# (proxy/HeapGuard), and whether the proxy still serves. Loopback only; everything bounded and
# stopped on exit.
#
#   bench/load/heapflood.sh
#
# Environment: XMX (24m), FLOOD (15000), SECONDS_MAX (60), PORT_BASE (18380), EPOXY_JAR
# (java/target/epoxy.jar).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
XMX="${XMX:-24m}"; FLOOD="${FLOOD:-15000}"; SECONDS_MAX="${SECONDS_MAX:-60}"; PORT_BASE="${PORT_BASE:-18380}"
JAR="${EPOXY_JAR:-$root/java/target/epoxy.jar}"
P_NGINX=$PORT_BASE; P_PROXY=$((PORT_BASE + 1))

source "$root/bench/lib.sh"
bench_setup epoxy-heapflood
ports_free $P_NGINX $P_PROXY $((P_PROXY + 1))
ulimit -n "$(ulimit -Hn)"

cat > "$tmp/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$P_NGINX;
        location = / { return 200 "ok\n"; }
    }
}
EOF
cat > "$tmp/proxy.cfg" <<EOF
global
    nbthread 1
    maxconn $((FLOOD + 1000))
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend fe
    bind 127.0.0.1:$P_PROXY proto h2
    bind 127.0.0.1:$((P_PROXY + 1))
    default_backend be
backend be
    server s1 127.0.0.1:$P_NGINX
EOF

/usr/sbin/nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" &
pids+=($!)
wait_port $P_NGINX 10 || { echo "nginx did not start" >&2; exit 1; }

# bin/epoxy's JVM options, with the small heap and a GC log
opts=$(sed -n 's/^opts="\${EPOXY_JAVA_OPTS:-\(.*\)}"$/\1/p' "$root/bin/epoxy" | sed "s/-Xmx[0-9]*[mg]/-Xmx$XMX/")
java $opts -Xlog:gc:file="$tmp/gc.log" --enable-native-access=ALL-UNNAMED -jar "$JAR" -f "$tmp/proxy.cfg" \
    > "$tmp/epoxy.log" 2>&1 &
ep=$!
pids+=($ep)
wait_port $P_PROXY 30 || { echo "epoxy did not start" >&2; cat "$tmp/epoxy.log" >&2; exit 1; }

got=$(timeout $((SECONDS_MAX + 30)) python3 "$root/bench/load/clients.py" flood-h2 "$FLOOD" $P_PROXY "$SECONDS_MAX")
sleep 3
alive=no; kill -0 $ep 2>/dev/null && alive=yes
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((P_PROXY + 1))/")
h2=$(curl -s --http2-prior-knowledge --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_PROXY/")
echo "epoxy -Xmx$XMX, $FLOOD HTTP/2 connections tried for at most ${SECONDS_MAX} s: $got"
echo "full collections $(grep -c 'Pause Full' "$tmp/gc.log"), OutOfMemoryErrors logged $(grep -c OutOfMemoryError "$tmp/epoxy.log")," \
    "accepting paused for the heap $(grep -c 'heap is nearly full' "$tmp/epoxy.log") time(s)," \
    "RSS $(awk '$1 == "VmRSS:" { print $2 }' /proc/$ep/status 2>/dev/null) kB"
echo "after: process alive $alive, HTTP/1.1 $code, HTTP/2 $h2"
