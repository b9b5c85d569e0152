#!/usr/bin/env bash
# runbench.sh: run the benchmark binaries and merge their figures.
#
#   bash scripts/runbench.sh O BIN...
#
# Each binary gets RUMP_BENCH_JSON=O/bench/NAME.json, writes its figures
# there as one JSON object (bench/bench.h) and prints its lines for
# people.  The objects are merged into O/bench/results.json as
# {"NAME": {...}, ...}.  Runs every binary even when one fails; exits
# non-zero if any failed.  RUMP_BENCH_TIMEOUT (seconds, default 600)
# bounds each one.
set -u

if [ $# -lt 1 ]; then
	echo "usage: runbench.sh O BIN..." >&2
	exit 2
fi
out=$1/bench
shift
mkdir -p "$out"
results=$out/results.json
timeout_s=${RUMP_BENCH_TIMEOUT:-600}

[ $# -eq 0 ] && echo "runbench: no benchmarks"

failed=0
names=()
for bin in "$@"; do
	name=${bin##*/}
	json=$out/$name.json
	case $bin in
	*/*) ;;
	*) bin=./$bin ;;
	esac
	rm -f "$json"
	echo "==== $name"
	RUMP_BENCH_JSON=$json timeout -k 10 "$timeout_s" "$bin" </dev/null
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "runbench: $name failed (exit status $rc)" >&2
		failed=1
	elif ! grep -q '^[[:space:]]*{' "$json" 2>/dev/null; then
		echo "runbench: $name wrote no JSON object to $json" >&2
		failed=1
	else
		names+=("$name")
	fi
done

# Merge: each file is one object; indent it two places under its name.
{
	printf '{'
	sep=
	for name in ${names[@]+"${names[@]}"}; do
		printf '%s\n  "%s": ' "$sep" "$name"
		awk 'NF { lines[n++] = $0 }
		END {
			for (i = 0; i < n; i++)
				printf "%s%s", (i ? "\n  " : ""), lines[i]
		}' "$out/$name.json"
		sep=,
	done
	printf '\n}\n'
} >"$results.tmp" && mv "$results.tmp" "$results"

echo "results: $results"
exit "$failed"
