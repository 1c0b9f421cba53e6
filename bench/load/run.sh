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
#   ROUNDS, DURATION rounds (each row runs on the three targets in turn, the order alternating
#                    between rounds) and seconds per run
#   PIN=0            no CPU pinning at all (on a shared VM pinning exposes a proxy to whatever
#                    else runs on its CPU; see bench/README.md)
#   PORT_BASE        first of the 5 loopback ports used (default 18180)
#   EPOXY_JAVA_OPTS  JVM flags for Epoxy (default: bin/epoxy's)
#   HAPROXY          the peer (default: ../shared/peers/haproxy-3.4.0 when present, else /usr/sbin/haproxy)
#   KEEP=1           keep the temp dir (configs, logs, raw client outputs)
#   LOGS=1           every proxy logs every request (option httplog to stdout, which goes to
#                    /dev/null), as operators run them; off by default, as in earlier rounds
#
# Every row reports req/s and the proxy's CPU microseconds per request (utime+stime of the proxy
# process from /proc around that run, divided by the requests the run completed): on two shared
# cores req/s mostly measures the client, CPU per request is the figure to compare. Epoxy runs
# twice, level-triggered (default) and edge-triggered ("Epoxy ET"). After the rounds: RSS (right
# after them and 10 s later) and peak RSS, memory per idle keep-alive connection (IDLE_CONNS,
# default 5000, HTTP/1 and HTTP/2 clients), peak RSS under 100 slow readers of 1 MiB
# responses, and start-up time to listening and to the first response (fastest of 3).
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
QUICK="${QUICK:-0}"
NBTHREAD="${NBTHREAD:-1}"
LOGS="${LOGS:-0}"
if [ "$QUICK" = 1 ]; then ROUNDS="${ROUNDS:-1}"; DURATION="${DURATION:-2}"; WARM=2
else ROUNDS="${ROUNDS:-3}"; DURATION="${DURATION:-4}"; WARM=4; fi
PROXY_CPU="${PROXY_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PORT_BASE="${PORT_BASE:-18180}"
P_NGINX=$PORT_BASE; P_HA=$((PORT_BASE + 1)); P_HA2=$((PORT_BASE + 2)); P_EP=$((PORT_BASE + 3)); P_EP2=$((PORT_BASE + 4))
P_ET=$((PORT_BASE + 6)); P_ET2=$((PORT_BASE + 7)); P_START=$((PORT_BASE + 8))
IDLE_CONNS="${IDLE_CONNS:-5000}"
NGINX=/usr/sbin/nginx
if [ -z "${HAPROXY:-}" ]; then
    if [ -x "$root/../shared/peers/haproxy-3.4.0" ]; then HAPROXY="$root/../shared/peers/haproxy-3.4.0"; else HAPROXY=/usr/sbin/haproxy; fi
fi
JAR="$root/java/target/epoxy.jar"

ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then PROXY_CPU=0; CLIENT_CPU=0; fi
if [ "$NBTHREAD" -ge 2 ]; then PROXY_SET="0-$((ncpu - 1))"; else PROXY_SET="$PROXY_CPU"; fi
if [ "${PIN:-1}" = 0 ]; then PROXY_SET="0-$((ncpu - 1))"; CLIENT_CPU="0-$((ncpu - 1))"; fi

for tool in wrk h2load curl taskset python3 "$NGINX" "$HAPROXY" java; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
if [ ! -f "$JAR" ]; then
    echo "building $JAR ..." >&2
    (cd "$root" && mvn -B -q -DskipTests package) >&2 || { echo "build failed" >&2; exit 2; }
fi

source "$root/bench/lib.sh"
bench_setup epoxy-load

ports_free $P_NGINX $P_HA $P_HA2 $P_EP $P_EP2 $((P_NGINX + 5)) $P_ET $P_ET2 $P_START

# ---------------------------------------------------------------- backend and proxies
mkdir -p "$tmp/www" "$tmp/logs"
head -c 4096 /dev/zero | tr '\0' 'a' > "$tmp/www/4k"
head -c 65536 /dev/zero | tr '\0' 'b' > "$tmp/www/64k"
head -c 1048576 /dev/zero | tr '\0' 'c' > "$tmp/www/1m"
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
        location = /h2s { return 200 "ok\n"; }
    }
}
EOF

# The two proxies get the same settings; only the syntax of a few lines differs (none here).
proxy_cfg() { # name port h2port(or empty) [extra global line]
    cat <<EOF
global
    nbthread $NBTHREAD
    maxconn $((IDLE_CONNS + 1000))
${4:-}
defaults
    mode http
$([ "$LOGS" = 1 ] && printf '    log stdout format raw local0\n    option httplog')
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    http-reuse safe
frontend fe
    bind 127.0.0.1:$2
EOF
    [ -n "$3" ] && echo "    bind 127.0.0.1:$3 proto h2"
    cat <<EOF
    use_backend be_h2 if { path_beg /h2s }
    default_backend be
backend be
    server s1 127.0.0.1:$P_NGINX
backend be_h2
    server s1 127.0.0.1:$((P_NGINX + 5)) proto h2
EOF
}
proxy_cfg haproxy $P_HA $P_HA2 > "$tmp/haproxy.cfg"
proxy_cfg epoxy $P_EP $P_EP2 > "$tmp/epoxy.cfg"
proxy_cfg epoxy $P_ET $P_ET2 "    expose-experimental-directives
    tune.fd.edge-triggered on" > "$tmp/epoxy-et.cfg"
proxy_cfg epoxy $P_START "" > "$tmp/epoxy-start.cfg"
proxy_cfg haproxy $P_START "" > "$tmp/haproxy-start.cfg"

taskset -c "$CLIENT_CPU" "$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/logs/nginx-error.log" &
pids+=($!)
wait_port $P_NGINX 10 || { echo "nginx did not start" >&2; cat "$tmp/logs/nginx-error.log" >&2; exit 1; }

# With LOGS=1 the access log (stdout) goes to /dev/null, the proxy's own messages (stderr) to its log.
access() { [ "$LOGS" = 1 ] && echo /dev/null || echo "$1"; }
taskset -c "$PROXY_SET" "$HAPROXY" -db -f "$tmp/haproxy.cfg" > "$(access "$tmp/logs/haproxy.log")" 2>> "$tmp/logs/haproxy.log" &
ha_pid=$!
pids+=($ha_pid)
wait_port $P_HA 10 || { echo "haproxy did not start" >&2; cat "$tmp/logs/haproxy.log" >&2; exit 1; }

EP_JAVA="${EPOXY_JAVA_OPTS:-$(sed -n 's/^opts="\${EPOXY_JAVA_OPTS:-\(.*\)}"$/\1/p' "$root/bin/epoxy")}"
# and, like bin/epoxy, the class-data sharing archive the build made for this jar
JSA="$root/java/target/epoxy.jsa"
if [ -z "${EPOXY_JAVA_OPTS:-}" ] && [ -f "$JSA" ] && [ "$JSA" -nt "$JAR" ]; then EP_JAVA="$EP_JAVA -XX:SharedArchiveFile=$JSA"; fi
start_epoxy() { # cfg log -> pid
    # shellcheck disable=SC2086
    taskset -c "$PROXY_SET" java $EP_JAVA --enable-native-access=ALL-UNNAMED -jar "$JAR" -f "$1" > "$(access "$2")" 2>> "$2" &
    echo $!
}
ep_pid=$(start_epoxy "$tmp/epoxy.cfg" "$tmp/logs/epoxy.log"); pids+=($ep_pid)
et_pid=$(start_epoxy "$tmp/epoxy-et.cfg" "$tmp/logs/epoxy-et.log"); pids+=($et_pid)
wait_port $P_EP 30 || { echo "epoxy did not start" >&2; cat "$tmp/logs/epoxy.log" >&2; exit 1; }
wait_port $P_ET 30 || { echo "epoxy (ET) did not start" >&2; cat "$tmp/logs/epoxy-et.log" >&2; exit 1; }

# H2 (prior knowledge, cleartext) works end to end?
h2_ok() { [ "$(curl -s --max-time 3 --http2-prior-knowledge -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ]; }
h2_ha=0; h2_ep=0; h2_et=0; h2_ng=0
h2_ok $P_HA2 && h2_ha=1
h2_ok $P_EP2 && h2_ep=1
h2_ok $P_ET2 && h2_et=1
h2_ok $((P_NGINX + 5)) && h2_ng=1
for u in / /4k /64k /1m /h2s; do
    for p in $P_NGINX $P_HA $P_EP $P_ET; do
        code=$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p$u")
        [ "$code" = 200 ] || { echo "sanity check failed: $p$u answered '$code'" >&2; exit 1; }
    done
done

# ---------------------------------------------------------------- clients
C="taskset -c $CLIENT_CPU"
RESULTS="$tmp/results.txt"   # lines: target metric value round   (metric "X" = req/s, "X:cpu" = us/req)
ROUND=0
: > "$RESULTS"
ERRS="$tmp/errors.txt"
: > "$ERRS"
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status" 2>/dev/null; }
pid_of() { case $1 in haproxy) echo "$ha_pid" ;; epoxy) echo "$ep_pid" ;; epoxy-et) echo "$et_pid" ;; *) echo "" ;; esac; }

to_us() { # wrk latency like 123.45us / 1.23ms / 1.00s -> microseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
                           else if (v ~ /m$/) print n * 60e6; else if (v ~ /s$/) print n * 1e6; else print n }'
}

record() { # target metric requests seconds cpu-ticks-or-empty
    local rps; rps=$(awk -v n="$3" -v s="$4" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')
    echo "$1 $2 $rps $ROUND" >> "$RESULTS"
    [ -n "$5" ] && [ "$3" -gt 0 ] && echo "$1 $2:cpu $(awk -v t="$5" -v hz="$hz" -v n="$3" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }') $ROUND" >> "$RESULTS"
}

wrk_run() { # target port metric path [extra wrk args...]
    local target=$1 port=$2 metric=$3 path=$4; shift 4
    local out="$tmp/raw-$target-$metric-$RANDOM.txt" pid c0 c1=""; pid=$(pid_of "$target")
    [ -n "$pid" ] && c0=$(cpu_ticks "$pid")
    timeout $((DURATION + 15)) $C wrk -t1 "$@" -d"${DURATION}s" "http://127.0.0.1:$port$path" > "$out" 2>&1
    [ -n "$pid" ] && c1=$(( $(cpu_ticks "$pid") - c0 ))
    local n s; n=$(awk '/requests in/ { print $1 }' "$out"); s=$(awk '/requests in/ { sub(/s,$/, "", $4); print $4 }' "$out")
    record "$target" "$metric" "${n:-0}" "${s:-0}" "$c1"
    local errs; errs=$(awk '/Socket errors/ { gsub(/,/, ""); s += $4 + $6 + $8 + $10 } /Non-2xx/ { s += $NF } END { print s + 0 }' "$out")
    [ "$errs" != 0 ] && echo "$target $metric $errs" >> "$ERRS"
    if [ "$metric" = lat200 ]; then
        echo "$target p99 $(to_us "$(awk '$1 == "99%" { print $2 }' "$out")")" >> "$RESULTS"
        echo "$target max $(to_us "$(awk '$1 == "Latency" { print $4 }' "$out")")" >> "$RESULTS"
    fi
}

h2_run() { # target port metric path
    local out="$tmp/raw-$1-$3-$RANDOM.txt" pid c0 c1=""; pid=$(pid_of "$1")
    [ -n "$pid" ] && c0=$(cpu_ticks "$pid")
    timeout $((DURATION + 15)) $C h2load -c10 -m10 -t1 -D "$DURATION" "http://127.0.0.1:$2$4" > "$out" 2>&1
    [ -n "$pid" ] && c1=$(( $(cpu_ticks "$pid") - c0 ))
    local n; n=$(awk '/^requests:/ { print $8 }' "$out")
    record "$1" "$3" "${n:-0}" "$DURATION" "$c1"
    local errs; errs=$(awk '/^requests:/ { print $10 + $12 + $14 }' "$out")
    [ -n "$errs" ] && [ "$errs" != 0 ] && echo "$1 $3 $errs" >> "$ERRS"
}

row() { # metric target port h2port h2ok: one row of the table for one target
    case $1 in
        ka_small) wrk_run "$2" "$3" ka_small / -c50 ;;
        ka_4k) wrk_run "$2" "$3" ka_4k /4k -c50 ;;
        ka_64k) wrk_run "$2" "$3" ka_64k /64k -c50 ;;
        ka_1m) wrk_run "$2" "$3" ka_1m /1m -c10 ;;
        close) wrk_run "$2" "$3" close / -c50 -H "Connection: close" ;;
        h2) [ "$5" = 1 ] && h2_run "$2" "$4" h2 / ;;
        h2_64k) [ "$5" = 1 ] && h2_run "$2" "$4" h2_64k /64k ;;
        h2s) [ "$5" = 1 ] && h2_run "$2" "$4" h2s /h2s ;;
        ka_h2s) wrk_run "$2" "$3" ka_h2s /h2s -c50 ;;
        up_64k) wrk_run "$2" "$3" up_64k / -c20 -s "$root/bench/load/post64k.lua" ;;
        lat200) wrk_run "$2" "$3" lat200 / -c200 --latency ;;
    esac
}
ROWS="ka_small ka_4k ka_64k ka_1m close h2 h2_64k h2s ka_h2s up_64k lat200"   # in the order of the table's labels

echo "warming up (${WARM}s each) ..." >&2
for p in $P_HA $P_EP $P_ET; do
    timeout $((WARM + 15)) $C wrk -t1 -c50 -d"${WARM}s" "http://127.0.0.1:$p/" > /dev/null 2>&1
    timeout $((WARM + 15)) $C wrk -t1 -c50 -d"${WARM}s" -H "Connection: close" "http://127.0.0.1:$p/" > /dev/null 2>&1
done
for p in $P_EP2 $P_ET2; do
    timeout $((WARM + 15)) $C h2load -c10 -m10 -t1 -D "$WARM" "http://127.0.0.1:$p/" > /dev/null 2>&1
    timeout $((WARM + 15)) $C h2load -c10 -m10 -t1 -D "$WARM" "http://127.0.0.1:$p/h2s" > /dev/null 2>&1
done

# Each row runs on the three targets back to back (the order alternating between rounds), so
# that the runs compared are seconds apart: on a shared VM the host's speed drifts over tens of
# seconds, and whole suites one after the other compared runs a minute apart.
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS ..." >&2
    ROUND=$r
    for m in $ROWS; do
        if [ $((r % 2)) = 1 ]; then
            row $m haproxy $P_HA $P_HA2 $h2_ha; row $m epoxy $P_EP $P_EP2 $h2_ep; row $m epoxy-et $P_ET $P_ET2 $h2_et
        else
            row $m epoxy-et $P_ET $P_ET2 $h2_et; row $m epoxy $P_EP $P_EP2 $h2_ep; row $m haproxy $P_HA $P_HA2 $h2_ha
        fi
        [ "$r" = 1 ] && [ $m = ka_small ] && row $m nginx $P_NGINX $((P_NGINX + 5)) $h2_ng
    done
done
declare -A RSS HWM SETTLED
for t in haproxy epoxy epoxy-et; do RSS[$t]=$(rss_kb "$(pid_of $t)" VmRSS); HWM[$t]=$(rss_kb "$(pid_of $t)" VmHWM); done
# And once the load's leftovers are given back: Epoxy's JIT compilers free their arenas to the C
# heap within about 5 s, which the JVM then trims (bin/epoxy, bench/README.md "Round 9").
sleep 10
for t in haproxy epoxy epoxy-et; do SETTLED[$t]=$(rss_kb "$(pid_of $t)" VmRSS); done
for t in epoxy epoxy-et; do kill -0 "$(pid_of $t)" 2>/dev/null || echo "WARNING: $t exited during the run (see its log)" >&2; done

# ---------------------------------------------------------------- memory probes
idle_probe() { # target port [idle|idle-h2] -> kB per idle keep-alive connection
    local pid; pid=$(pid_of "$1"); local before after
    before=$(rss_kb "$pid" VmRSS)
    coproc IDLE { taskset -c "$CLIENT_CPU" python3 "$root/bench/load/clients.py" "${3:-idle}" "$IDLE_CONNS" "$2"; }
    local line; read -r -t 120 line <&"${IDLE[0]}"
    after=$(rss_kb "$pid" VmRSS)
    echo x >&"${IDLE[1]}"; wait "$IDLE_PID" 2>/dev/null
    [ "$line" = ready ] || { echo "$1 idle: $line" >> "$ERRS"; }
    awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN { printf "%.2f", (a - b) / n }'
}
slow_probe() { # target port -> peak RSS kB while 100 slow readers hold 1 MiB responses
    local pid; pid=$(pid_of "$1"); local peak=0 v
    taskset -c "$CLIENT_CPU" python3 "$root/bench/load/clients.py" slow 100 "$2" /1m 8 > /dev/null &
    local cp=$!
    while kill -0 $cp 2>/dev/null; do v=$(rss_kb "$pid" VmRSS); [ "${v:-0}" -gt "$peak" ] && peak=$v; sleep 0.2; done
    echo "$peak"
}
declare -A IDLE IDLE2 SLOW START FIRST
for t in haproxy epoxy epoxy-et; do
    case $t in haproxy) port=$P_HA; port2=$P_HA2 ;; epoxy) port=$P_EP; port2=$P_EP2 ;; *) port=$P_ET; port2=$P_ET2 ;; esac
    IDLE[$t]=$(idle_probe $t $port)
    SLOW[$t]=$(slow_probe $t $port)
    # last: what 5000 HTTP/2 connections leave behind must not count in the probes above
    IDLE2[$t]=$(idle_probe $t $port2 idle-h2)
done

start_ms() { # haproxy|epoxy -> "L R": fastest of 3 starts to listening, and to the first response, in ms
    local best=999999 bestr=999999 i r t0 t1 t2 pid
    for i in 1 2 3; do
        t0=$(date +%s%N)
        if [ "$1" = haproxy ]; then
            taskset -c "$PROXY_SET" "$HAPROXY" -db -f "$tmp/haproxy-start.cfg" > /dev/null 2>&1 & pid=$!
        else
            pid=$(start_epoxy "$tmp/epoxy-start.cfg" /dev/null)
        fi
        for _ in $(seq 1 6000); do (exec 3<>/dev/tcp/127.0.0.1/$P_START) 2>/dev/null && break; sleep 0.005; done
        t1=$(date +%s%N)
        # The first request, through the proxy to nginx: a listening socket is not yet a proxy that answers.
        r=$( (exec 3<>/dev/tcp/127.0.0.1/$P_START && printf 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 \
            && read -r -t 10 line <&3 && echo "$line") 2>/dev/null)
        t2=$(date +%s%N)
        kill "$pid"; wait "$pid" 2>/dev/null
        for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/$P_START) 2>/dev/null || break; sleep 0.01; done
        i=$(( (t1 - t0) / 1000000 )); [ "$i" -lt "$best" ] && best=$i
        case "$r" in "HTTP/1.1 200"*) i=$(( (t2 - t0) / 1000000 )); [ "$i" -lt "$bestr" ] && bestr=$i ;; esac
    done
    [ "$bestr" = 999999 ] && bestr=n/a
    echo "$best $bestr"
}
read -r START[haproxy] FIRST[haproxy] <<< "$(start_ms haproxy)"
read -r START[epoxy] FIRST[epoxy] <<< "$(start_ms epoxy)"

# ---------------------------------------------------------------- table
echo
echo "peer: $("$HAPROXY" -v | head -1)"
echo "nbthread=$NBTHREAD logs=$([ "$LOGS" = 1 ] && echo on || echo off) rounds=$ROUNDS duration=${DURATION}s proxy CPU(s) $PROXY_SET, client+nginx CPU $CLIENT_CPU (medians of rounds; ratios: median of each round's ratio)"
awk -v rounds="$ROUNDS" -v rows="$ROWS" '
    { v[$1 " " $2] = v[$1 " " $2] " " $3; w[$1 " " $2 " " $4] = $3 }
    function median(s,   a, n, i, j, t) {
        n = split(s, a, " "); if (n == 0) return "";
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function cell(x, f) { return x == "" ? "n/a" : sprintf(f, x) }
    # The median of the ratio in each round, between runs seconds apart (see the loop).
    function ratio(t, k,   r, s, e, h) {
        s = ""
        for (r = 1; r <= rounds; r++) {
            e = w[t " " k " " r]; h = w["haproxy " k " " r]
            if (e != "" && h + 0 > 0) s = s " " e / h
        }
        return s == "" ? "n/a" : sprintf("%.2f", median(s))
    }
    END {
        nrows = split(rows, m, " ")
        split("keep-alive, 3 B (wrk -c50)|keep-alive, 4 KiB (wrk -c50)|keep-alive, 64 KiB (wrk -c50)|keep-alive, 1 MiB (wrk -c10)|Connection: close (wrk -c50)|h2c, 3 B (h2load -c10 -m10)|h2c, 64 KiB (h2load -c10 -m10)|h2c to an h2 server (h2load)|keep-alive to an h2 server (wrk)|upload, 64 KiB POST (wrk -c20)|keep-alive, 3 B (wrk -c200)", label, "|")
        printf "%-34s | %9s %9s %9s | %8s %8s %8s | %6s %6s | %6s %6s\n", "load", "HA req/s", "EP req/s", "ET req/s", "HA us/rq", "EP us/rq", "ET us/rq", "EP/HA", "ET/HA", "EP/HA", "ET/HA"
        printf "%-34s | %29s | %26s | %13s | %13s\n", "", "", "CPU per request", "CPU ratio", "req/s ratio"
        for (i = 1; i <= nrows; i++) {
            hr = median(v["haproxy " m[i]]); er = median(v["epoxy " m[i]]); tr = median(v["epoxy-et " m[i]])
            hc = median(v["haproxy " m[i] ":cpu"]); ec = median(v["epoxy " m[i] ":cpu"]); tc = median(v["epoxy-et " m[i] ":cpu"])
            printf "%-34s | %9s %9s %9s | %8s %8s %8s | %6s %6s | %6s %6s\n", label[i], cell(hr, "%.0f"), cell(er, "%.0f"), cell(tr, "%.0f"),
                cell(hc, "%.1f"), cell(ec, "%.1f"), cell(tc, "%.1f"),
                ratio("epoxy", m[i] ":cpu"), ratio("epoxy-et", m[i] ":cpu"), ratio("epoxy", m[i]), ratio("epoxy-et", m[i])
        }
        printf "%-34s | %9s %9s %9s\n", "latency p99 us (wrk -c200)", cell(median(v["haproxy p99"]), "%.0f"), cell(median(v["epoxy p99"]), "%.0f"), cell(median(v["epoxy-et p99"]), "%.0f")
        printf "%-34s | %9s %9s %9s\n", "latency max us (wrk -c200)", cell(median(v["haproxy max"]), "%.0f"), cell(median(v["epoxy max"]), "%.0f"), cell(median(v["epoxy-et max"]), "%.0f")
        printf "%-34s | %9s\n", "nginx direct, 3 B req/s (wrk -c50)", cell(median(v["nginx ka_small"]), "%.0f")
    }' "$RESULTS"
echo
printf "%-44s %12s %12s %12s\n" "memory and start-up" "HAProxy" "Epoxy" "Epoxy ET"
printf "%-44s %12s %12s %12s\n" "RSS after the load, kB" "${RSS[haproxy]}" "${RSS[epoxy]}" "${RSS[epoxy-et]}"
printf "%-44s %12s %12s %12s\n" "RSS 10 s after the load, kB" "${SETTLED[haproxy]}" "${SETTLED[epoxy]}" "${SETTLED[epoxy-et]}"
printf "%-44s %12s %12s %12s\n" "peak RSS during the load, kB" "${HWM[haproxy]}" "${HWM[epoxy]}" "${HWM[epoxy-et]}"
printf "%-44s %12s %12s %12s\n" "kB per idle keep-alive conn ($IDLE_CONNS)" "${IDLE[haproxy]}" "${IDLE[epoxy]}" "${IDLE[epoxy-et]}"
printf "%-44s %12s %12s %12s\n" "kB per idle HTTP/2 client conn ($IDLE_CONNS)" "${IDLE2[haproxy]}" "${IDLE2[epoxy]}" "${IDLE2[epoxy-et]}"
printf "%-44s %12s %12s %12s\n" "peak RSS, 100 slow readers of 1 MiB, kB" "${SLOW[haproxy]}" "${SLOW[epoxy]}" "${SLOW[epoxy-et]}"
printf "%-44s %12s %12s\n" "start-up to listening, ms (fastest of 3)" "${START[haproxy]}" "${START[epoxy]}"
printf "%-44s %12s %12s\n" "start-up to first response, ms (fastest of 3)" "${FIRST[haproxy]}" "${FIRST[epoxy]}"
[ "$h2_ep" = 1 ] || echo "Epoxy h2c: n/a (no 200 from the proxy's h2 listener)"
if [ -s "$ERRS" ]; then
    echo "client-reported errors (target metric count):"
    sed 's/^/  /' "$ERRS"
fi
