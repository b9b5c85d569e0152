#!/usr/bin/env bash
# runtests.sh: run Criterion test binaries and add up their results.
#
#   bash scripts/runtests.sh O BIN...
#
# Each binary runs with its tests spread over RUMP_TEST_JOBS workers
# (default 2) and at most RUMP_TEST_TIMEOUT seconds (default 300); its
# output goes to O/testlogs/NAME.log and is shown when it failed.  A
# binary that dies, times out or prints a sanitizer report without a
# failing test counts as one failed test.  The last line is
# "N passed, N failed"; the exit status is 0 only if nothing failed and
# at least one binary ran.
set -u

if [ $# -lt 1 ]; then
	echo "usage: runtests.sh O BIN..." >&2
	exit 2
fi
out=$1
shift

if [ $# -eq 0 ]; then
	echo "runtests: no test binaries"
	echo "0 passed, 0 failed"
	exit 1
fi

timeout_s=${RUMP_TEST_TIMEOUT:-300}
jobs=${RUMP_TEST_JOBS:-2}
logdir=$out/testlogs
mkdir -p "$logdir"

# Plain ASCII output from Criterion, whatever the caller's locale.
export LC_ALL=C
# Sanitizer defaults; options the caller set come later and win.  A
# report inside a Criterion worker must end that worker, or Criterion
# counts the test as passed (leaks are found after the test reported,
# hence the log scan below).  Criterion's runner leaks a little memory of
# its own.  Death tests fork a threaded process and start threads in the
# child, which ThreadSanitizer refuses unless told otherwise.
supp=$(cd "$logdir" && pwd)/lsan.supp
printf 'leak:libcriterion.so\n' >"$supp"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:die_after_fork=0:atexit_sleep_ms=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}"

san_re='^==[0-9]+==ERROR: [A-Za-z]+Sanitizer|^WARNING: ThreadSanitizer:|: runtime error: '

# Print a failed binary's log, shortened when it is long.
showlog() {
	local n
	n=$(wc -l <"$1")
	if [ "$n" -le 400 ]; then
		sed 's/^/    /' "$1"
	else
		head -n 100 "$1" | sed 's/^/    /'
		echo "    ... ($((n - 300)) lines left out; whole log: $1) ..."
		tail -n 200 "$1" | sed 's/^/    /'
	fi
}

total_pass=0
total_fail=0
nbins=0
for bin in "$@"; do
	name=${bin##*/}
	log=$logdir/$name.log
	nbins=$((nbins + 1))
	case $bin in
	*/*) ;;
	*) bin=./$bin ;;
	esac

	t0=$(date +%s)
	# (The subshell takes bash's "Killed" notice to /dev/null.)
	(
		timeout -k 10 "$timeout_s" "$bin" --color=never \
			--jobs "$jobs" --short-filename </dev/null >"$log" 2>&1
		exit $?
	) 2>/dev/null
	rc=$?
	secs=$(($(date +%s) - t0))

	# [====] Synthesis: Tested: N | Passing: N | Failing: N | Crashing: N
	read -r tested passing failing crashing < <(sed -n \
		's/.*Synthesis: Tested: *\([0-9]*\) | Passing: *\([0-9]*\) | Failing: *\([0-9]*\) | Crashing: *\([0-9]*\).*/\1 \2 \3 \4/p' \
		"$log" | tail -n 1)

	note=
	if [ -z "${tested:-}" ]; then
		pass=0
		fail=1
		if [ "$rc" -eq 124 ] ||
			{ [ "$rc" -eq 137 ] && [ "$secs" -ge "$timeout_s" ]; }; then
			note="timed out after ${timeout_s}s"
		elif [ "$rc" -gt 128 ]; then
			note="no result, killed by signal $((rc - 128))"
		else
			note="no result, exit status $rc"
		fi
	else
		pass=$passing
		# Criterion counts crashed tests as failing too.
		fail=$((tested - passing))
		[ "$failing" -gt "$fail" ] && fail=$failing
		[ "$crashing" -gt 0 ] && note="$crashing crashed"
		if [ "$fail" -eq 0 ]; then
			if grep -Eq "$san_re" "$log"; then
				fail=1
				note="sanitizer report"
			elif [ "$rc" -ne 0 ]; then
				fail=1
				note="exit status $rc"
			fi
		fi
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))

	if [ "$fail" -eq 0 ]; then
		printf 'ok    %-24s %4d tests  %3ds\n' "$name" "$pass" "$secs"
	else
		printf 'FAIL  %-24s %4d passing, %d failing%s  %ds\n' \
			"$name" "$pass" "$fail" "${note:+ ($note)}" "$secs"
		showlog "$log"
	fi
	unset tested passing failing crashing
done

echo "$nbins test binaries, logs in $logdir"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
