#!/usr/bin/env bash
# kill -9 mid-take: the files open in libsndfile with at most ~1 s missing;
# `redlight recover` restores everything that reached the disk.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 3
S="$E2E_TMP/session"
record_until_stopped "$S"
sleep 3.5
kill -9 "$REC"
wait "$REC" 2>/dev/null
[ "$(json_get "$S/session.json" takes.0.complete)" = false ] || fail "take should be incomplete"
# Readable as they are, with a header at most ~1 s (+ a drain block) old.
"$VERIFY_TAKE" --unequal-lengths --min-frames 96000 "$S/takes/001" \
	|| fail "crashed files not readable/exact before recover"
"$REDLIGHT" recover "$S" >"$E2E_TMP/rec" 2>&1 || fail "recover failed: $(cat "$E2E_TMP/rec")"
expect_contains "$E2E_TMP/rec" "take 001: recovered"
"$VERIFY_TAKE" --unequal-lengths --min-frames 144000 "$S/takes/001" \
	|| fail "recovered files not exact"
[ "$(json_get "$S/session.json" takes.0.recovered)" = true ] || fail "not marked recovered"
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "not complete"
"$REDLIGHT" recover "$S" >"$E2E_TMP/rec2" 2>&1 || fail "second recover failed"
expect_contains "$E2E_TMP/rec2" "nothing to recover"
echo ok
