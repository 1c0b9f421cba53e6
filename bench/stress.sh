#!/usr/bin/env bash
# Runs named test classes N times in a row and counts, per class, the runs that passed and failed.
# A flaky test is a bug report: the surefire reports of every failed run are kept for evidence.
#
#   bench/stress.sh [-n N] [-t MINUTES] Class1 [Class2 ...]     (default N=30, no time bound)
#   bench/stress.sh -n 30 H2Seed2Test ReuseTest RetryTest SeedRaceTest
#
# Classes may live in java/ or bench/. Each round is one Maven run of all the classes named; the
# loop stops after N rounds or once MINUTES have passed (the round under way finishes).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n=30; minutes=0
while getopts "n:t:" o; do
    case $o in n) n=$OPTARG ;; t) minutes=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-n N] [-t MINUTES] TestClass..." >&2; exit 2; }
classes=("$@")
keep=$(mktemp -d /tmp/epoxy-stress.XXXXXX)
declare -A pass fail
for c in "${classes[@]}"; do pass[$c]=0; fail[$c]=0; done

cd "$root"
mvn -B -q -DskipTests package >/dev/null || { echo "build failed" >&2; exit 2; }
start=$(date +%s)
for ((i = 1; i <= n; i++)); do
    if [ "$minutes" -gt 0 ] && [ $(( $(date +%s) - start )) -ge $((minutes * 60)) ]; then
        echo "time bound reached after $((i - 1)) rounds"; break
    fi
    rm -rf java/target/surefire-reports bench/target/surefire-reports
    list=$(IFS=,; echo "${classes[*]}")
    mvn -B -q -o test -Dtest="$list" -Dsurefire.failIfNoSpecifiedTests=false >"$keep/round-$i.log" 2>&1
    for c in "${classes[@]}"; do
        xml=$(ls java/target/surefire-reports/TEST-*."$c".xml bench/target/surefire-reports/TEST-*."$c".xml 2>/dev/null | head -1)
        if [ -z "$xml" ]; then
            fail[$c]=$((fail[$c] + 1)); echo "round $i: $c did not run"; continue
        fi
        if grep -q -E '(failures|errors)="[1-9]' <(head -3 "$xml"); then
            fail[$c]=$((fail[$c] + 1))
            cp "$xml" "$keep/round-$i-$c.xml"
            cp "$(dirname "$xml")/$c-output.txt" "$keep/round-$i-$c-output.txt" 2>/dev/null
            echo "round $i: $c FAILED (kept in $keep)"
        else
            pass[$c]=$((pass[$c] + 1))
        fi
    done
    echo "round $i done ($(( $(date +%s) - start )) s)"
done
echo
printf '%-40s %6s %6s\n' class passed failed
total_fail=0
for c in "${classes[@]}"; do
    printf '%-40s %6d %6d\n' "$c" "${pass[$c]}" "${fail[$c]}"
    total_fail=$((total_fail + fail[$c]))
done
echo "logs and failed reports: $keep"
[ "$total_fail" = 0 ]
