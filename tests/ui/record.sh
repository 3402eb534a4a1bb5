#!/usr/bin/env bash
# The engineer's session in the terminal UI, on a real dummy jackd with the
# frame-counter source, inside tmux at 80x24: disarm everything, arm two
# tracks with the number keys, record, stop; the take appears with its
# number (transport bar, takes view) and its two files are exact; rate,
# note, keep, discard (asked first) and restore it from the takes view;
# quitting while a take records asks first, "n" keeps recording, "y"
# stops the take cleanly and gives the terminal back.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 8
S="$E2E_TMP/session"
names=(kick snare hihat oh-l bass gtr keys vox)
for i in $(seq 8); do
	add_track "$S" "${names[$((i - 1))]}" "redlight-source:out_$i"
done

ui_start 80 24 "$S" --no-osc
ui_wait "8/8 armed" 10
ui_expect "STOPPED"
ui_expect "Tracks"

# A: every track is armed, so it disarms them all; 1 and 2 arm two.
ui_keys A
ui_wait "0/8 armed" 5
ui_keys 1 2
ui_wait "2/8 armed" 5
row=$(ui_row kick)
case "$row" in *" R "*) ;; *) fail "kick not shown armed: '$row'" ;; esac
row=$(ui_row vox)
case "$row" in *" R "*) fail "vox shown armed: '$row'" ;; esac

# The frame counter stays within -12.04 dBFS: every meter is lit, and its
# peak (of the last two seconds) says a level no higher.
row=$(ui_row bass)
peak=$(sed -n 's/.* \(-[0-9]*\.[0-9]\)\( .*\)\{0,1\}$/\1/p' <<<"$row")
[ -n "$peak" ] || fail "bass shows no peak level: '$row'"
awk -v p="$peak" 'BEGIN { exit !(p <= -12.0 && p > -60) }' || fail "bass peak $peak: '$row'"
case "$row" in *"█"*) ;; *) fail "bass meter not lit: '$row'" ;; esac

# Record (no count-in in a new session), then stop with space.
ui_keys r
ui_wait "REC 001" 10
sleep 2
ui_keys Space
ui_wait "last take 001" 15
ui_wait "STOPPED" 5
ui_expect_not "REC 001"

# Its two files, exact.
[ "$(ls "$S/takes/001" | wc -l)" = 2 ] || fail "take 001 has $(ls "$S/takes/001")"
[ -f "$S/takes/001/01-kick.wav" ] && [ -f "$S/takes/001/02-snare.wav" ] \
	|| fail "take 001 files: $(ls "$S/takes/001")"
"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/001" >"$E2E_TMP/verify" 2>&1 \
	|| fail "take 001 not exact: $(cat "$E2E_TMP/verify")"
[ "$(json_get "$S/session.json" takes.0.complete)" = true ] || fail "take 001 not complete"

# The takes view lists it, with its two files.
ui_keys t
ui_wait "takes of every track" 5
ui_screen
grep -qE '^> ?001 ' "$E2E_TMP/screen" || fail "take 001 not in the takes view:
$(cat "$E2E_TMP/screen")"
ui_screen
grep -qE '01 kick -[0-9]+\.[0-9]' "$E2E_TMP/screen" || fail "no kick file in take 001: $(cat "$E2E_TMP/screen")"
grep -qE '02 snare -[0-9]+\.[0-9]' "$E2E_TMP/screen" || fail "no snare file in take 001: $(cat "$E2E_TMP/screen")"
# Rate it 4, write a note, keep it.
ui_keys 4
ui_wait "★★★★☆" 5
ui_keys e
ui_wait "Note for take 001:" 5
ui_keys "great feel, late fill" Enter
ui_wait "great feel, late fill" 5
ui_keys Enter
ui_wait "K all" 5
[ "$(json_get "$S/session.json" takes.0.rating)" = 4 ] || fail "rating not saved"
[ "$(json_get "$S/session.json" takes.0.note)" = "great feel, late fill" ] || fail "note not saved"
[ "$(json_get "$S/session.json" takes.0.files.0.keeper)" = true ] || fail "keeper not saved"
# Discard asks; n keeps it; y moves it to the trash; u restores it.
ui_keys d
ui_wait "Discard take 001?" 5
ui_keys n
ui_wait_gone "Discard take 001?" 5
[ -d "$S/takes/001" ] || fail "take 001 discarded after answering n"
ui_keys d
ui_wait "Discard take 001?" 5
ui_keys y
ui_wait "trash" 5
[ -d "$S/trash/001" ] && [ ! -d "$S/takes/001" ] || fail "take 001 not in the trash"
ui_keys u
ui_wait "take 001 restored" 5
[ -d "$S/takes/001" ] || fail "take 001 not restored"
# Back to the tracks: the keeper column shows take 1 on kick and snare.
ui_keys Escape
ui_wait "R M" 5
ui_row kick | grep -qE ' 1 *$' || fail "kick's keeper not shown: '$(ui_row kick)'"

# A marker while recording, then quit while recording: asked first.
ui_keys r
ui_wait "REC 002" 10
sleep 1
ui_keys m
ui_wait 'marker "marker' 5
ui_keys q
ui_wait "Take 002 is recording. Stop it and quit? (y/n)" 5
ui_keys n
ui_wait_gone "Stop it and quit?" 5
ui_expect "REC 002"
sleep 1
ui_keys q
ui_wait "Stop it and quit? (y/n)" 5
ui_keys y
ui_wait redlight-exited 30
[ "$(cat "$E2E_TMP/ui.rc")" = 0 ] || fail "redlight exited $(cat "$E2E_TMP/ui.rc")"
ui_terminal_restored
[ "$(json_get "$S/session.json" takes.1.complete)" = true ] || fail "take 002 not finished"
[ "$(json_get "$S/session.json" takes.1.markers.#)" = 1 ] || fail "take 002 has no marker"
"$VERIFY_TAKE" --expect-tracks 2 "$S/takes/002" >"$E2E_TMP/verify" 2>&1 \
	|| fail "take 002 not exact: $(cat "$E2E_TMP/verify")"
# Nothing of the UI's went to stderr: its messages are in the log.
grep -q "take 001 restored" "$S/redlight.log" || fail "log: $(cat "$S/redlight.log")"
echo "ok"
