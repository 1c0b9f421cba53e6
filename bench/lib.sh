# Sourced by the bench scripts (bench/load/run.sh, bench/load/memory.sh, bench/soak/run.sh).
#
# bench_setup PREFIX   makes the temp dir $tmp (/tmp/PREFIX.XXXXXX) and the list $pids of the
#                      processes started; on exit each is sent TERM, then KILL after 3 s, and
#                      $tmp is removed unless KEEP=1
# ports_free PORT...   exits 2 when one of the loopback ports is already listening
# wait_port PORT SECS  waits for a listener on the loopback port; status 1 after SECS

bench_setup() {
    tmp=$(mktemp -d "/tmp/$1.XXXXXX")
    pids=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}

ports_free() {
    for p in "$@"; do
        if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p already in use (set PORT_BASE)" >&2; exit 2; fi
    done
}

wait_port() {
    for _ in $(seq 1 $(($2 * 10))); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
