#!/usr/bin/env bash
# Runs the Java tests with the test JVM, and every process it starts, under strace (only the calls
# that make or free fd numbers), then looks for stray closes: a close(2) of a number already
# closed and not made again since, which succeeds on whatever file holds the number by then and
# so is invisible to the program (bench/stray_closes.py). Needs strace 5.3+ (--seccomp-bpf).
#
#   bench/stray-closes.sh                      the whole java suite (about 3 minutes)
#   bench/stray-closes.sh -Dtest=FdStressTest  some classes
#
# Tests that count wake-ups or time themselves may fail under strace: ListenerWakeupTest does
# (each traced call, accept4 and close among them, stops the thread for strace: two context
# switches more each). The trace is what matters.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
java="$(readlink -f "${JAVA_HOME:+$JAVA_HOME/bin/java}")" || true
[ -x "$java" ] || java="$(readlink -f "$(command -v java)")"
dir=$(mktemp -d /tmp/epoxy-closes.XXXXXX)
mkdir "$dir/bin"
cat > "$dir/bin/java" <<WRAP
#!/usr/bin/env bash
exec strace -f -qq --seccomp-bpf -s 64 -o "$dir/trace.\$\$" \\
    -e trace=close,close_range,open,openat,creat,socket,socketpair,accept,accept4,pipe,pipe2,dup,dup2,dup3,fcntl,epoll_create,epoll_create1,eventfd,eventfd2,timerfd_create,signalfd,signalfd4,inotify_init,inotify_init1,memfd_create,recvmsg,pidfd_open,clone,clone3,fork,vfork,execve \\
    "$java" "\$@"
WRAP
chmod +x "$dir/bin/java"
(cd "$root" && mvn -B -o test -pl java -Djvm="$dir/bin/java" "$@") > "$dir/mvn.log" 2>&1
echo "maven exit $? ($(grep -h "Tests run:" "$dir/mvn.log" | tail -1)); log and traces in $dir"
rc=0
for t in "$dir"/trace.*; do
    echo "$t: $(wc -l < "$t") lines"
    python3 "$root/bench/stray_closes.py" "$t" || rc=1
done
exit $rc
