#!/usr/bin/env bash
# Soak: a proxy in front of a rude origin (rude_server.py: closes after responses, HTTP/1.0, no
# length, dribbles, closes idle connections 0-3 ms after a response), under three loads at once
# for DURATION seconds: wrk keep-alive, h2load h2c, and clients.py (checked GETs over HTTP/1.1 and
# 1.0, pipelines, uploads, early answers, plus clients that abort, send garbage, reset, stop
# reading, and uploads the origin resets), and h2clients.py (checked multiplexed GETs, some
# cancelled, POSTs, a malformed request between two good ones, plus readers that stop and
# clients gone with streams open). At the same time a second frontend sends to a rude HTTP/2
# origin (rude_h2_server.py, `proto h2`), under the same clients and h2load. Then it checks
# that the proxy lost nothing and kept nothing: every checked answer exact, no wrk or h2load
# error, no request the HTTP/2 origin found malformed, no stall or busy-loop report, no log line
# of a whole request without its backend, no connection left once the clients are gone. It
# prints the proxy's fds, RSS and CPU every 10 s.
# Everything runs on 127.0.0.1; every process started here is stopped on exit.
#
#   bench/soak/run.sh                  Epoxy, 120 s; exit 1 if a check fails
#   DURATION=600 bench/soak/run.sh     longer
#   PEER=1 bench/soak/run.sh           then the same on HAProxy 3.4 (reported, not judged)
#   ET=1 bench/soak/run.sh             Epoxy edge-triggered
#
# Environment: DURATION (120), NBTHREAD (2), ET (0), PORT_BASE (18380: origin, proxy, proxy h2c,
# proxy for uploads, proxy to the HTTP/2 origin and its h2c, that origin at PORT_BASE+6, and
# PORT_BASE+11.. for the peer), HAPROXY (/work/shared/peers/haproxy-3.4.0), KEEP=1 keeps the
# temp dir (configs, logs, client outputs).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/bench/soak"
DURATION="${DURATION:-120}"; NBTHREAD="${NBTHREAD:-2}"; PORT_BASE="${PORT_BASE:-18380}"
HAPROXY="${HAPROXY:-/work/shared/peers/haproxy-3.4.0}"
P_ORIGIN=$PORT_BASE P_H2ORIGIN=$((PORT_BASE + 6))

source "$root/bench/lib.sh"
bench_setup epoxy-soak

for tool in wrk h2load python3; do
    command -v $tool >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
# The HTTP/2 origin needs hyper-h2 (Debian's python3-h2), which Debian's own python3 sees even
# where another python3 comes first in PATH.
h2py=""
for py in python3 /usr/bin/python3; do
    if command -v $py >/dev/null && $py -c "import h2" 2>/dev/null; then h2py=$py; break; fi
done
[ -n "$h2py" ] || { echo "python3-h2 is needed (apt-get install python3-h2)" >&2; exit 2; }
# show info, one field, from the runtime API (the same command on both proxies); with a third
# argument, the server's connections made and reused, from show stat
info() {
    python3 - "$@" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"show stat\n" if len(sys.argv) > 3 else b"show info\n")
d = b""
while True:
    x = s.recv(65536)
    if not x:
        break
    d += x
lines = d.decode().split("\n")
if len(sys.argv) > 3:
    cols = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        v = dict(zip(cols, line.split(",")))
        if v.get("pxname") == sys.argv[2] and v.get("svname") == sys.argv[3]:
            print("connect %s reuse %s" % (v.get("connect"), v.get("reuse")))
else:
    for line in lines:
        if line.startswith(sys.argv[2] + ":"):
            print(line.split(":", 1)[1].strip())
EOF
}
# fds, RSS, connections and CPU seconds (user, system) of the proxy
sample() {
    echo "fds $(ls /proc/$1/fd | wc -l) rss_kB $(awk '$1 == "VmRSS:" {print $2}' /proc/$1/status)" \
        "conns $(info "$2" CurrConns) cpu_s $(awk -v t="$(getconf CLK_TCK)" '{print $14 / t "+" $15 / t}' /proc/$1/stat)"
}

ports=($P_ORIGIN $P_H2ORIGIN $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)) $((PORT_BASE + 4)) $((PORT_BASE + 5)))
[ "${PEER:-0}" = 1 ] && ports+=($((PORT_BASE + 11)) $((PORT_BASE + 12)) $((PORT_BASE + 13)) $((PORT_BASE + 14)) $((PORT_BASE + 15)))
ports_free "${ports[@]}"
python3 "$here/rude_server.py" $P_ORIGIN > "$tmp/origin.log" 2>&1 &
pids+=($!)
$h2py "$here/rude_h2_server.py" $P_H2ORIGIN > "$tmp/h2origin.log" 2>&1 &
pids+=($!)
wait_port $P_ORIGIN 10 || { echo "the origin did not start" >&2; exit 1; }
wait_port $P_H2ORIGIN 10 || { echo "the HTTP/2 origin did not start" >&2; exit 1; }

# soak NAME PORT COMMAND... -> prints the report; returns 1 when a check fails
soak() {
    local name=$1 port=$2; shift 2
    local h2=$((port + 1)) up=$((port + 2)) h2o=$((port + 3)) sock="$tmp/$name.sock" bad=0
    cat > "$tmp/$name.cfg" <<EOF
global
    nbthread $NBTHREAD
    maxconn 4000
    stats socket $sock level admin
$([ "$name" = epoxy ] && echo "    tune.stall-report 2s")
$([ "$name" = epoxy ] && [ "${ET:-0}" = 1 ] && printf '    expose-experimental-directives\n    tune.fd.edge-triggered on')
defaults
    mode http
    log stdout format raw local0
    option httplog
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout http-request 5s
    retries 3
frontend fe
    bind 127.0.0.1:$port
    bind 127.0.0.1:$h2 proto h2
    default_backend be
backend be
    http-reuse always
    server s1 127.0.0.1:$P_ORIGIN
# uploads: the default reuse (safe), since a first POST cannot be sent again after a stale
# connection fails it, and "always" may put a first request on one
frontend fe_up
    bind 127.0.0.1:$up
    default_backend be_up
backend be_up
    server s1 127.0.0.1:$P_ORIGIN
# the HTTP/2 origin: GETs and uploads alike
frontend fe_h2o
    bind 127.0.0.1:$h2o
    bind 127.0.0.1:$((h2o + 1)) proto h2
    default_backend be_h2o
backend be_h2o
    server s1 127.0.0.1:$P_H2ORIGIN proto h2
EOF
    "$@" -f "$tmp/$name.cfg" > "$tmp/$name.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    if ! wait_port $port 10; then
        echo "$name did not start:"; tail -5 "$tmp/$name.log"
        # a port held by some connection's local end: the caller may try other ports
        grep -q "Address already in use" "$tmp/$name.log" && exit 2
        return 1
    fi
    # bin/epoxy execs java: the pid is the proxy's
    echo "== $name, ${DURATION}s: start $(sample $pid "$sock")"
    local o0
    o0=$(wc -l < "$tmp/h2origin.log")
    timeout $((DURATION + 30)) wrk -t1 -c10 -d${DURATION}s "http://127.0.0.1:$port/w" > "$tmp/$name.wrk" 2>&1 &
    local w=$!
    timeout $((DURATION + 30)) h2load -c4 -m8 -D $DURATION "http://127.0.0.1:$h2/h" > "$tmp/$name.h2load" 2>&1 &
    local h=$!
    timeout $((DURATION + 90)) python3 "$here/clients.py" $port $up $DURATION 8 > "$tmp/$name.clients" 2>&1 &
    local c=$!
    timeout $((DURATION + 30)) h2load -c2 -m8 -D $DURATION "http://127.0.0.1:$((h2o + 1))/h" > "$tmp/$name.h2o.h2load" 2>&1 &
    local h2b=$!
    timeout $((DURATION + 90)) python3 "$here/clients.py" $h2o $h2o $DURATION 4 > "$tmp/$name.h2o.clients" 2>&1 &
    local c2=$!
    timeout $((DURATION + 90)) $h2py "$here/h2clients.py" $h2 $DURATION 4 > "$tmp/$name.h2clients" 2>&1 &
    local c3=$!
    timeout $((DURATION + 90)) $h2py "$here/h2clients.py" $((h2o + 1)) $DURATION 2 > "$tmp/$name.h2o.h2clients" 2>&1 &
    local c4=$!
    for ((t = 10; t <= DURATION; t += 10)); do
        sleep 10
        echo "   ${t}s: $(sample $pid "$sock")"
    done
    wait $w $h $c $h2b $c2 $c3 $c4
    local conns
    for _ in $(seq 1 100); do
        conns=$(info "$sock" CurrConns)
        [ "$conns" = 0 ] && break
        sleep 0.1
    done
    echo "   after the clients: $(sample $pid "$sock")"
    echo "   server connections: be $(info "$sock" be s1), be_up $(info "$sock" be_up s1), be_h2o $(info "$sock" be_h2o s1)"
    echo "   clients.py: $(head -1 "$tmp/$name.clients")"
    sed -n '2,$p' "$tmp/$name.clients" | sed 's/^/   /'
    echo "   wrk: $(grep -E 'requests in' "$tmp/$name.wrk" | xargs) $(grep -E 'Socket errors|Non-2xx' "$tmp/$name.wrk" | xargs)"
    echo "   h2load: $(grep -E '^requests:' "$tmp/$name.h2load")"
    echo "   h2clients.py: $(head -1 "$tmp/$name.h2clients")"
    sed -n '2,$p' "$tmp/$name.h2clients" | sed 's/^/   /'
    echo "   to the HTTP/2 origin, clients.py: $(head -1 "$tmp/$name.h2o.clients")"
    sed -n '2,$p' "$tmp/$name.h2o.clients" | sed 's/^/   /'
    echo "   to the HTTP/2 origin, h2load: $(grep -E '^requests:' "$tmp/$name.h2o.h2load")"
    echo "   to the HTTP/2 origin, h2clients.py: $(head -1 "$tmp/$name.h2o.h2clients")"
    sed -n '2,$p' "$tmp/$name.h2o.h2clients" | sed 's/^/   /'
    # what the HTTP/2 origin refused from this proxy (a malformed request), or its own failures
    local h2bad
    h2bad=$(tail -n +$((o0 + 1)) "$tmp/h2origin.log" | grep -c "PROTOCOL ERROR\|Traceback")
    echo "   HTTP/2 origin's protocol errors and failures: $h2bad"
    tail -n +$((o0 + 1)) "$tmp/h2origin.log" | grep -A3 "PROTOCOL ERROR\|Traceback" | head -8 | sed 's/^/   /'
    local stalls
    stalls=$(grep -c "stall: no progress\|busy loop:" "$tmp/$name.log")
    [ "$name" = epoxy ] && echo "   stall and busy-loop reports: $stalls"
    grep -m3 "stall: no progress\|busy loop:" "$tmp/$name.log" | cut -c1-300 | sed 's/^/   /'

    # A request head that arrived whole goes through the switching rules even when the client
    # is gone at once: HAProxy then logs the backend (be/<NOSRV> CR--), never the frontend.
    local unrouted
    unrouted=$(grep -c ' fe/<NOSRV> .* CR-- .*"GET /' "$tmp/$name.log")
    echo "   log lines of whole requests without their backend: $unrouted"
    # Nothing lost, and something done by each load (a run that did nothing proves nothing).
    for f in "$tmp/$name.clients" "$tmp/$name.h2o.clients"; do
        grep -q "FAILED" "$f" && bad=1
        for k in "get ok" "bodyless ok" "pipelined ok" "close then more ok" "slow head ok" "post ok" "early answer ok" "cut response seen cut" "flood"; do
            grep -q "'$k', [1-9]" "$f" || bad=1
        done
    done
    for f in "$tmp/$name.h2clients" "$tmp/$name.h2o.h2clients"; do
        grep -q "FAILED" "$f" && bad=1
        for k in "multiplexed ok" "post ok" "malformed refused, neighbours ok" "burst answered"; do
            grep -q "'$k', [1-9]" "$f" || bad=1
        done
    done
    grep -qE '^ *[1-9][0-9]* requests in' "$tmp/$name.wrk" || bad=1
    grep -qE 'Socket errors|Non-2xx' "$tmp/$name.wrk" && bad=1
    for f in "$tmp/$name.h2load" "$tmp/$name.h2o.h2load"; do
        grep -qE '^requests: .* [1-9][0-9]* succeeded, 0 failed, 0 errored, 0 timeout' "$f" || bad=1
    done
    [ "$h2bad" = 0 ] || bad=1
    [ "$conns" = 0 ] || bad=1
    [ "$name" != epoxy ] || [ "$stalls" = 0 ] || bad=1
    [ "$name" != epoxy ] || [ "$unrouted" = 0 ] || bad=1
    # On a failure, the proxy's log lines of wrk's and h2load's exchanges (/w, /h) that did not
    # end well (neither ---- nor a client gone at the end, CD), to read the cause from
    [ $bad = 0 ] || awk '/\/[hw] HTTP\/[0-9.]+"$/ && $10 != "----" && $10 != "CD--"' "$tmp/$name.log" \
        | head -10 | cut -c1-300 | sed 's/^/   log: /'
    kill $pid 2>/dev/null
    return $bad
}

soak epoxy $((PORT_BASE + 1)) "$root/bin/epoxy"
rc=$?
if [ "${PEER:-0}" = 1 ]; then
    soak haproxy $((PORT_BASE + 11)) "$HAPROXY" -db
    echo "   (HAProxy is reported, not judged)"
fi
[ $rc = 0 ] && echo "epoxy: every check passed" || echo "epoxy: a check FAILED (KEEP=1 keeps the logs)"
exit $rc
