#!/usr/bin/env bash
# 256 tracks in the terminal UI: readable at 80x24 (18 rows a page,
# PgDn/End page through them, the range is shown), two columns side by
# side at 200x50, arm-all toggles, a record with nothing armed is refused
# with a clear line, and a take of all 256 tracks is recorded exactly.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 256
S="$E2E_TMP/session"

ui_start 80 24 "$S" --inputs 'redlight-source:' --no-osc
ui_wait "256/256 armed" 20
ui_expect "tracks 1-18 of 256"
ui_row out_18 | grep -q " 18 " || fail "track 18 not on the first page"
ui_keys PageDown
ui_wait "tracks 19-36 of 256" 5
ui_keys End
ui_wait "tracks 239-256 of 256" 5
ui_screen
grep -qE '^> ?256 ' "$E2E_TMP/screen" || fail "cursor not on track 256:
$(cat "$E2E_TMP/screen")"

# Wide: two columns of 44 rows, whole pages.
tmx resize-window -t ui -x 200 -y 50
ui_wait "tracks 177-256 of 256" 5
ui_screen
[ "$(sed -n 3p "$E2E_TMP/screen" | grep -o 'R M' | wc -l)" = 2 ] \
	|| fail "not two columns at 200x50:
$(cat "$E2E_TMP/screen")"
grep -q "221 " "$E2E_TMP/screen" || fail "track 221 (second column) not shown"
ui_keys Up
ui_wait ">255 " 5
tmx resize-window -t ui -x 80 -y 24

# A with everything armed disarms all; record then says why it will not.
ui_keys A
ui_wait "0/256 armed" 10
ui_keys r
ui_wait "record: no track is armed" 5
ui_expect "STOPPED"
ui_keys A
ui_wait "256/256 armed" 10
ui_keys r
ui_wait "REC 001" 10
sleep 2
ui_keys Space
ui_wait "last take 001" 30
ui_expect "take 001: 256 tracks"
"$VERIFY_TAKE" --expect-tracks 256 "$S/takes/001" >"$E2E_TMP/verify" 2>&1 \
	|| fail "take 001 not exact: $(tail -3 "$E2E_TMP/verify")"
ui_quit
echo "ok"
