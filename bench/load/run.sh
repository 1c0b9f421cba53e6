#!/usr/bin/env bash
# Side-by-side load bench: HAProxy vs Epoxy in front of the same nginx backend, nginx direct as
# the ceiling. Everything on 127.0.0.1; every process started here is stopped on exit.
#
#   bench/load/run.sh               ~4-5 minutes: 3 rounds of every metric, 4 s per run
#   QUICK=1 bench/load/run.sh       < 90 s: 1 round, 2 s per run
#
# Environment:
#   NBTHREAD=1|2     proxy threads (default 1). With 1, the proxy is pinned to CPU $PROXY_CPU and
#                    the client and nginx to CPU $CLIENT_CPU; with 2 the proxy gets both CPUs.
#   ROUNDS, DURATION rounds (alternating which proxy goes first) and seconds per run
#   PIN=0            no CPU pinning at all (on a shared VM pinning exposes a proxy to whatever
#                    else runs on its CPU; see bench/README.md)
#   PORT_BASE        first of the 5 loopback ports used (default 18180)
#   EPOXY_JAVA_OPTS  JVM flags for Epoxy (default, as bin/epoxy: -Xms64m -Xmx512m -XX:+UseParallelGC)
#   KEEP=1           keep the temp dir (configs, logs, raw client outputs)
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
QUICK="${QUICK:-0}"
NBTHREAD="${NBTHREAD:-1}"
if [ "$QUICK" = 1 ]; then ROUNDS="${ROUNDS:-1}"; DURATION="${DURATION:-2}"; WARM=2
else ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-4}"; WARM=4; fi
PROXY_CPU="${PROXY_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PORT_BASE="${PORT_BASE:-18180}"
P_NGINX=$PORT_BASE; P_HA=$((PORT_BASE + 1)); P_HA2=$((PORT_BASE + 2)); P_EP=$((PORT_BASE + 3)); P_EP2=$((PORT_BASE + 4))
NGINX=/usr/sbin/nginx
HAPROXY=/usr/sbin/haproxy
JAR="$root/java/target/epoxy.jar"

ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then PROXY_CPU=0; CLIENT_CPU=0; fi
if [ "$NBTHREAD" -ge 2 ]; then PROXY_SET="0-$((ncpu - 1))"; else PROXY_SET="$PROXY_CPU"; fi
if [ "${PIN:-1}" = 0 ]; then PROXY_SET="0-$((ncpu - 1))"; CLIENT_CPU="0-$((ncpu - 1))"; fi

for tool in wrk h2load curl taskset "$NGINX" "$HAPROXY" java; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
if [ ! -f "$JAR" ]; then
    echo "building $JAR ..." >&2
    (cd "$root" && mvn -B -q -DskipTests package) >&2 || { echo "build failed" >&2; exit 2; }
fi

tmp=$(mktemp -d /tmp/epoxy-load.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $P_NGINX $P_HA $P_HA2 $P_EP $P_EP2 $((P_NGINX + 5)); do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p already in use (set PORT_BASE)" >&2; exit 2; fi
done

# ---------------------------------------------------------------- backend and proxies
mkdir -p "$tmp/www" "$tmp/logs"
head -c 4096 /dev/zero | tr '\0' 'a' > "$tmp/www/4k"
head -c 65536 /dev/zero | tr '\0' 'b' > "$tmp/www/64k"
cat > "$tmp/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/nginx-error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {
        listen 127.0.0.1:$P_NGINX backlog=4096;
        listen 127.0.0.1:$((P_NGINX + 5)) http2 backlog=4096;
        root $tmp/www;
        location = / { return 200 "ok\n"; }
    }
}
EOF

# The two proxies get the same settings; only the syntax of a few lines differs (none here).
proxy_cfg() { # name port h2port(or empty)
    cat <<EOF
global
    nbthread $NBTHREAD
    maxconn 5000
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    http-reuse safe
frontend fe
    bind 127.0.0.1:$2
EOF
    [ -n "$3" ] && echo "    bind 127.0.0.1:$3 proto h2"
    cat <<EOF
    default_backend be
backend be
    server s1 127.0.0.1:$P_NGINX
EOF
}
proxy_cfg haproxy $P_HA $P_HA2 > "$tmp/haproxy.cfg"
proxy_cfg epoxy $P_EP $P_EP2 > "$tmp/epoxy-h2.cfg"
proxy_cfg epoxy $P_EP "" > "$tmp/epoxy-h1.cfg"

wait_port() { # port seconds
    for _ in $(seq 1 $(($2 * 10))); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

taskset -c "$CLIENT_CPU" "$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/logs/nginx-error.log" &
pids+=($!)
wait_port $P_NGINX 10 || { echo "nginx did not start" >&2; cat "$tmp/logs/nginx-error.log" >&2; exit 1; }

taskset -c "$PROXY_SET" "$HAPROXY" -db -f "$tmp/haproxy.cfg" > "$tmp/logs/haproxy.log" 2>&1 &
ha_pid=$!
pids+=($ha_pid)
wait_port $P_HA 10 || { echo "haproxy did not start" >&2; cat "$tmp/logs/haproxy.log" >&2; exit 1; }

ep_cfg="$tmp/epoxy-h2.cfg"
if ! java --enable-native-access=ALL-UNNAMED -jar "$JAR" -c -f "$ep_cfg" > "$tmp/logs/epoxy-check.log" 2>&1; then
    ep_cfg="$tmp/epoxy-h1.cfg"
fi
# shellcheck disable=SC2086
taskset -c "$PROXY_SET" java ${EPOXY_JAVA_OPTS:--Xms64m -Xmx512m -XX:+UseParallelGC} --enable-native-access=ALL-UNNAMED -jar "$JAR" -f "$ep_cfg" \
    > "$tmp/logs/epoxy.log" 2>&1 &
ep_pid=$!
pids+=($ep_pid)
wait_port $P_EP 30 || { echo "epoxy did not start" >&2; cat "$tmp/logs/epoxy.log" >&2; exit 1; }

# H2 (prior knowledge, cleartext) works end to end?
h2_ok() { [ "$(curl -s --max-time 3 --http2-prior-knowledge -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ]; }
h2_ha=0; h2_ep=0; h2_ng=0
h2_ok $P_HA2 && h2_ha=1
[ "$ep_cfg" = "$tmp/epoxy-h2.cfg" ] && h2_ok $P_EP2 && h2_ep=1
h2_ok $((P_NGINX + 5)) && h2_ng=1
for u in / /4k /64k; do
    for p in $P_NGINX $P_HA $P_EP; do
        code=$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p$u")
        [ "$code" = 200 ] || { echo "sanity check failed: $p$u answered '$code'" >&2; exit 1; }
    done
done

# ---------------------------------------------------------------- clients
C="taskset -c $CLIENT_CPU"
RESULTS="$tmp/results.txt"   # lines: target metric value
: > "$RESULTS"
ERRS="$tmp/errors.txt"
: > "$ERRS"

to_us() { # wrk latency like 123.45us / 1.23ms / 1.00s -> microseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
                           else if (v ~ /m$/) print n * 60e6; else if (v ~ /s$/) print n * 1e6; else print n }'
}

wrk_run() { # target port metric path [extra wrk args...]
    local target=$1 port=$2 metric=$3 path=$4; shift 4
    local out="$tmp/raw-$target-$metric-$RANDOM.txt"
    timeout $((DURATION + 15)) $C wrk -t1 "$@" -d"${DURATION}s" "http://127.0.0.1:$port$path" > "$out" 2>&1
    local rps; rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    echo "$target $metric ${rps:-0}" >> "$RESULTS"
    local errs; errs=$(awk '/Socket errors/ { gsub(/,/, ""); s += $4 + $6 + $8 + $10 } /Non-2xx/ { s += $NF } END { print s + 0 }' "$out")
    [ "$errs" != 0 ] && echo "$target $metric $errs" >> "$ERRS"
    if [ "$metric" = latency ]; then
        echo "$target p50 $(to_us "$(awk '$1 == "50%" { print $2 }' "$out")")" >> "$RESULTS"
        echo "$target p99 $(to_us "$(awk '$1 == "99%" { print $2 }' "$out")")" >> "$RESULTS"
    fi
}

h2_run() { # target port
    local out="$tmp/raw-$1-h2-$RANDOM.txt"
    timeout $((DURATION + 15)) $C h2load -c10 -m10 -t1 -D "$DURATION" "http://127.0.0.1:$2/" > "$out" 2>&1
    local rps; rps=$(awk '/^finished in/ { gsub(/,/, ""); print $4 }' "$out")
    echo "$1 h2 ${rps:-0}" >> "$RESULTS"
    local errs; errs=$(awk '/^requests:/ { print $10 + $12 + $14 }' "$out")
    [ -n "$errs" ] && [ "$errs" != 0 ] && echo "$1 h2 $errs" >> "$ERRS"
}

suite() { # target port h2port h2ok
    wrk_run "$1" "$2" ka_small / -c50
    wrk_run "$1" "$2" ka_4k /4k -c50
    wrk_run "$1" "$2" ka_64k /64k -c50
    wrk_run "$1" "$2" close / -c50 -H "Connection: close"
    if [ "$4" = 1 ]; then h2_run "$1" "$3"; fi
    wrk_run "$1" "$2" latency / -c10 --latency
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status" 2>/dev/null; }
hz=$(getconf CLK_TCK)

echo "warming up (${WARM}s each) ..." >&2
timeout $((WARM + 15)) $C wrk -t1 -c50 -d"${WARM}s" "http://127.0.0.1:$P_HA/" > /dev/null 2>&1
timeout $((WARM + 15)) $C wrk -t1 -c50 -d"${WARM}s" "http://127.0.0.1:$P_EP/" > /dev/null 2>&1
timeout $((WARM + 15)) $C wrk -t1 -c50 -d"${WARM}s" -H "Connection: close" "http://127.0.0.1:$P_EP/" > /dev/null 2>&1
[ "$h2_ep" = 1 ] && timeout $((WARM + 15)) $C h2load -c10 -m10 -t1 -D "$WARM" "http://127.0.0.1:$P_EP2/" > /dev/null 2>&1

ep_cpu0=$(cpu_ticks $ep_pid); ha_cpu0=$(cpu_ticks $ha_pid)
start=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS ..." >&2
    if [ $((r % 2)) = 1 ]; then
        suite haproxy $P_HA $P_HA2 $h2_ha; suite epoxy $P_EP $P_EP2 $h2_ep
    else
        suite epoxy $P_EP $P_EP2 $h2_ep; suite haproxy $P_HA $P_HA2 $h2_ha
    fi
    [ "$r" = 1 ] && suite nginx $P_NGINX $((P_NGINX + 5)) $h2_ng
done
elapsed=$(( $(date +%s) - start ))
ep_cpu=$(( $(cpu_ticks $ep_pid) - ep_cpu0 )); ha_cpu=$(( $(cpu_ticks $ha_pid) - ha_cpu0 ))
ep_rss=$(rss_kb $ep_pid VmRSS); ep_hwm=$(rss_kb $ep_pid VmHWM)
ha_rss=$(rss_kb $ha_pid VmRSS); ha_hwm=$(rss_kb $ha_pid VmHWM)
kill -0 $ep_pid 2>/dev/null || echo "WARNING: epoxy exited during the run (see its log)" >&2

# ---------------------------------------------------------------- table
echo
echo "nbthread=$NBTHREAD rounds=$ROUNDS duration=${DURATION}s proxy CPU(s) $PROXY_SET, client+nginx CPU $CLIENT_CPU" \
     "(median of rounds; latency = wrk -c10)"
awk -v h2ha=$h2_ha -v h2ep=$h2_ep '
    { v[$1 " " $2] = v[$1 " " $2] " " $3 }
    function median(s,   a, n, i, j, t) {
        n = split(s, a, " "); if (n == 0) return "";
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        split("ka_small ka_4k ka_64k close h2 latency p50 p99", m, " ")
        split("keep-alive req/s (-c50, 3 B)|keep-alive req/s (-c50, 4 KiB)|keep-alive req/s (-c50, 64 KiB)|Connection: close conn/s (-c50)|h2c req/s (h2load -c10 -m10)|keep-alive req/s (-c10, 3 B)|latency p50 us (-c10, lower is better)|latency p99 us (-c10, lower is better)", label, "|")
        printf "%-42s %12s %12s %14s %12s\n", "metric", "HAProxy", "Epoxy", "Epoxy/HAProxy", "nginx-direct"
        for (i = 1; i <= 8; i++) {
            h = median(v["haproxy " m[i]]); e = median(v["epoxy " m[i]]); n = median(v["nginx " m[i]])
            if (m[i] == "h2" && !h2ep) e = "n/a"
            if (m[i] == "h2" && !h2ha) h = "n/a"
            ratio = (h + 0 > 0 && e != "n/a" && e != "") ? sprintf("%.2f", e / h) : "n/a"
            printf "%-42s %12s %12s %14s %12s\n", label[i], (h == "" ? "n/a" : sprintf("%.0f", h)), (e == "n/a" || e == "" ? "n/a" : sprintf("%.0f", e)), ratio, (n == "" ? "n/a" : sprintf("%.0f", n))
        }
    }' "$RESULTS"
echo
printf "CPU time over the %ss of measurement: Epoxy %.1f s, HAProxy %.1f s\n" "$elapsed" \
    "$(echo "$ep_cpu $hz" | awk '{ print $1 / $2 }')" "$(echo "$ha_cpu $hz" | awk '{ print $1 / $2 }')"
echo "RSS at end (peak): Epoxy ${ep_rss:-?} kB (${ep_hwm:-?} kB), HAProxy ${ha_rss:-?} kB (${ha_hwm:-?} kB)"
if [ "$h2_ep" != 1 ]; then
    if [ "$ep_cfg" = "$tmp/epoxy-h1.cfg" ]; then echo "Epoxy h2c: n/a (the config check rejects 'bind ... proto h2')"
    else echo "Epoxy h2c: n/a ('bind ... proto h2' is accepted, but h2c prior-knowledge requests get no 200 yet)"; fi
fi
if [ -s "$ERRS" ]; then
    echo "client-reported errors (target metric count):"
    sed 's/^/  /' "$ERRS"
fi
