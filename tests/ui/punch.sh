#!/usr/bin/env bash
# Punch from the terminal UI, with the frame-counter source: the
# punch-in and punch-out set with I and O at the play head after
# locating with g, shown on the transport bar; r from bar 1 records
# exactly bar 3 to bar 5 (start frame and length in session.json, every
# frame verified) and the transport rolls on. R (record-ready) shows a
# READY tally: space records the punch range again, stop leaves READY.
# p turns punching off (the range stays, dim), P with "-" clears it, {
# and } set the loop range at the play head.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
add_track "$S" kick "redlight-source:out_1"
add_track "$S" snare "redlight-source:out_2"
BAR=96000 # 120 bpm, 4/4: two seconds

ui_start 80 24 "$S" --no-osc
ui_wait "2/2 armed" 10

goto() { # goto POSITION BBT: g, the position, and wait until there
	ui_keys g
	ui_wait "Go to" 5
	ui_keys "$1" Enter
	ui_wait "$2" 5
}

# The punch-in at bar 3, the punch-out at bar 5, at the play head.
goto 3 "3|1|0000"
ui_keys I
ui_wait "PUNCH 3|1-" 5
goto 5 "5|1|0000"
ui_keys O
ui_wait "PUNCH 3|1-5|1" 5
[ "$(json_get "$J" settings.punch_in)" = $((2 * BAR)) ] || fail "punch_in saved as $(json_get "$J" settings.punch_in)"
[ "$(json_get "$J" settings.punch_out)" = $((4 * BAR)) ] || fail "punch_out saved as $(json_get "$J" settings.punch_out)"

# r from the start: the take is exactly the punch range; the transport
# rolls on past the punch-out until space.
ui_keys Home
ui_wait "1|1|0000" 5
ui_keys r
ui_wait "REC 001" 15
ui_wait "last take 001" 15
ui_expect "PLAYING"
ui_keys Space
ui_wait "STOPPED" 5
check_take() { # check_take N
	local i=$(($1 - 1))
	[ "$(json_get "$J" "takes.$i.start_frame")" = $((2 * BAR)) ] \
		|| fail "take $1 starts at $(json_get "$J" "takes.$i.start_frame"), not the punch-in $((2 * BAR))"
	[ "$(json_get "$J" "takes.$i.length")" = $((2 * BAR)) ] \
		|| fail "take $1 is $(json_get "$J" "takes.$i.length") frames, not the punch range $((2 * BAR))"
	"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/$(printf %03d "$1")" >"$E2E_TMP/verify" 2>&1 \
		|| fail "take $1 not exact: $(cat "$E2E_TMP/verify")"
}
check_take 1

# Record-ready: READY on the tally; space records; stop leaves it.
ui_keys Home
ui_wait "1|1|0000" 5
ui_keys R
ui_wait "READY" 5
ui_expect_not "REC 002"
ui_keys Space
ui_wait "REC 002" 15
ui_wait "last take 002" 15
ui_keys Space
ui_wait_gone "REC 002" 5
ui_expect "READY" # stopped, and still ready
check_take 2
ui_keys R
ui_wait_gone "READY" 5

# p: off, the range kept (dim); P -: cleared.
ui_keys p
ui_wait "punch 3|1-5|1" 5
[ "$(json_get "$J" settings.punch_in_on)" = false ] || fail "punch off not saved"
ui_keys P
ui_wait "Punch IN:OUT" 5
ui_keys -l -
ui_keys Enter
ui_wait_gone "punch 3|1-5|1" 5
[ "$(json_get "$J" settings.punch_in)" = null ] || fail "punch_in not cleared: $(json_get "$J" settings.punch_in)"

# { and }: the loop range at the play head, shown dim until l loops it.
goto 2 "2|1|0000"
ui_keys "{"
ui_wait "loop 2|1-" 5
goto 4 "4|1|0000"
ui_keys "}"
ui_wait "loop 2|1-4|1" 5
ui_keys l
ui_wait "LOOP 2|1-4|1" 5
ui_keys l
ui_quit
echo "ok"
