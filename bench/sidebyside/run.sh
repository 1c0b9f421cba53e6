#!/usr/bin/env bash
# Bad input side by side: the same misbehaving clients and servers through HAProxy and Epoxy,
# one column per proxy, to compare by eye (docs/design-notes.md, "Bad requests, side by side").
#
#   bench/sidebyside/run.sh [requests|responses|clients|h2|slow|uploads ...]   (default: all)
#
# HAPROXY: the first peer (default ../shared/peers/haproxy-3.4.0 when present, else the system's);
# HAPROXY2: a second one (default /usr/sbin/haproxy when it is another binary; "" for none).
# Everything listens on 127.0.0.1 from PORT_BASE (default 28600); every client call has a timeout.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ -z "${HAPROXY:-}" ]; then
    if [ -x "$root/../shared/peers/haproxy-3.4.0" ]; then HAPROXY="$root/../shared/peers/haproxy-3.4.0"; else HAPROXY=/usr/sbin/haproxy; fi
fi
if [ -z "${HAPROXY2+x}" ]; then
    HAPROXY2=""
    [ -x /usr/sbin/haproxy ] && [ "$(readlink -f /usr/sbin/haproxy)" != "$(readlink -f "$HAPROXY")" ] && HAPROXY2=/usr/sbin/haproxy
fi
EPOXY="$root/bin/epoxy"
B=${PORT_BASE:-28600}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(requests responses clients h2 slow uploads)
tmp=$(mktemp -d /tmp/epoxy-sidebyside.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

cfg() { # port server-port [h2]
    cat <<EOF
global
    nbthread 1
defaults
    mode http
    timeout connect 1s
    timeout client ${4:-2s}
    timeout server 2s
    timeout http-request 2s
frontend fe
    bind 127.0.0.1:$1${3:+ proto h2}
    default_backend be
backend be
    server s1 127.0.0.1:$2
EOF
}

start() { # cmd... (in the background, killed on exit)
    "$@" > /dev/null 2>&1 &
    pids+=($!)
}

wait_port() {
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done
    echo "nothing listens on $1" >&2; return 1
}

# Proxies: name and binary; each gets port B+10+i and forwards to the suite's server(s).
names=("$(basename "$HAPROXY")"); bins=("$HAPROXY")
[ -n "$HAPROXY2" ] && { names+=("$(basename "$HAPROXY2")-system"); bins+=("$HAPROXY2"); }
names+=(epoxy); bins+=("$EPOXY")

run_suite() { # suite h2(0|1) client-timeout script [args after the ports]
    local suite=$1 h2=$2 tmo=$3 script=$4; shift 4
    local ports=() logs=() i
    for i in "${!bins[@]}"; do
        local sp=$((B + i)) pp=$((B + 10 + i))
        if [ "$suite" = requests ]; then
            start python3 "$here/req_backend.py" "$sp" "$tmp/be-$i.log"; logs+=("$tmp/be-$i.log")
        elif [ "$i" = 0 ]; then
            case $suite in
                responses) start python3 "$here/resp_backend.py" "$sp" ;;
                slow) start python3 "$here/slow_backend.py" "$sp" ;;
                uploads) start python3 "$here/upload_backend.py" "$sp" ;;
                *) start python3 "$here/req_backend.py" "$sp" "$tmp/be-0.log" ;;
            esac
        fi
        [ "$suite" = requests ] || sp=$B
        cfg "$pp" "$sp" "$([ "$h2" = 1 ] && echo h2)" "$tmo" > "$tmp/$suite-$i.cfg"
        if [ "${bins[$i]}" = "$EPOXY" ]; then
            start "$EPOXY" -f "$tmp/$suite-$i.cfg"
        else
            start "${bins[$i]}" -db -f "$tmp/$suite-$i.cfg"
        fi
        ports+=("$pp")
    done
    for p in "${ports[@]}"; do wait_port "$p" || return 1; done
    echo "== $suite: ${names[*]}"
    local pl; pl=$(IFS=,; echo "${ports[*]}")
    if [ "$suite" = requests ]; then
        local nl ll; nl=$(IFS=,; echo "${names[*]}"); ll=$(IFS=,; echo "${logs[*]}")
        timeout 900 python3 "$here/$script" "$pl" "$nl" "$ll" "$@"
    else
        timeout 900 python3 "$here/$script" "$pl" "$@"
    fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    pids=()
}

for s in "${suites[@]}"; do
    case $s in
        requests) run_suite requests 0 2s bad_requests.py ;;
        responses) run_suite responses 0 2s responses.py ;;
        clients) run_suite clients 0 2s clients.py ;;
        h2) run_suite h2 1 5s h2.py ;;
        slow) run_suite slow 0 2s slow.py ;;
        uploads) run_suite uploads 0 2s uploads.py 1.0 ;;
        *) echo "unknown suite: $s" >&2; exit 2 ;;
    esac
done
