#!/usr/bin/env bash
# Meters, transport and views of the terminal UI, in tmux, on a dummy
# jackd with four real sources: the frame counter, the simulated band
# (levels that move), a full-scale square wave (clips) and digital
# silence. Meters move on a signal, stay dark on silence, show CLIP on a
# full-scale one until it is cleared after the source stops (its track
# then has no input and is not armed); the transport
# moves by bars and sections of the tempo map, loops a section, plays and
# stops; the cue view turns monitoring on (saved in the session); the
# screen follows resizes (wider, too small, back) and the help lists the
# keys.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 1
start_source 2 --name band --signal band
start_source 1 --name quiet --signal silence
start_source 1 --name fs --signal fullscale
FS_PID=$SOURCE_PID
S="$E2E_TMP/session"
add_track "$S" counter redlight-source:out_1 test cyan
add_track "$S" kick band:kick drums red
add_track "$S" snare band:snare drums red
add_track "$S" hot fs:out_1 test yellow
add_track "$S" quiet quiet:out_1 test blue
osc_port=$((20000 + RANDOM % 20000))
# One bar of count-in for `r` (the session's setting).
python3 - "$S/session.json" <<'PY' || fail "cannot set count_in_bars"
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j.setdefault("settings", {})["count_in_bars"] = 1
json.dump(j, open(p, "w"), indent=2)
PY

ui_start 80 24 "$S" --tempo-map "$SOURCE_ROOT/tests/e2e/song.map" --osc-port "$osc_port"
ui_wait "5/5 armed" 10
ui_expect "OSC 0"
# Any xrun count is right here: the dummy driver misses deadlines when the
# host is loaded (see doc/tuning.md), and counting them is e2e_xruns' job.
# What this checks is that the status line shows the count.
ui_screen
grep -qE 'xruns [0-9]+ ' "$E2E_TMP/screen" || fail "no xrun count on screen:
$(cat "$E2E_TMP/screen")"
ui_expect "dropped 0"

# Silence: a dark meter and no level.
row=$(ui_row quiet)
case "$(ui_meter quiet)" in *"█"*) fail "silent track shows a level: '$row'" ;; esac
case "$row" in *"CLIP"*) fail "silent track shows CLIP: '$row'" ;; esac
case "$row" in *"-inf"*) ;; *) fail "silent track's peak is not -inf: '$row'" ;; esac
# Full scale: the meter is lit to the red end, CLIP, peak 0.0 dBFS.
ui_wait "CLIP" 5
row=$(ui_row hot)
case "$row" in *"CLIP"*) ;; *) fail "full-scale track shows no CLIP: '$row'" ;; esac
case "$row" in *"0.0"*) ;; *) fail "full-scale track's peak is not 0.0: '$row'" ;; esac
[ "$(ui_meter hot | grep -o "█" | wc -l)" -ge 25 ] || fail "full-scale meter not full: '$row'"
# The band: the kick's meter moves (a beat every half second).
declare -A seen=()
for _ in $(seq 20); do
	seen["$(ui_meter kick)"]=1
	sleep 0.1
done
[ "${#seen[@]}" -ge 3 ] || fail "the kick's meter did not move: ${!seen[*]}"
# The counter is lit.
case "$(ui_meter counter)" in *"█"*) ;; *) fail "counter meter dark: '$(ui_row counter)'" ;; esac

# The clip indicator stays after the clipping ends, until x clears it.
kill "$FS_PID"
sleep 1
ui_row hot | grep -q CLIP || fail "CLIP went away by itself: '$(ui_row hot)'"
ui_keys x
sleep 0.5
row=$(ui_row hot)
case "$row" in *"CLIP"*) fail "x did not clear CLIP: '$row'" ;; esac
# ... and the meter falls back (20 dB in 1.7 s) once the signal is gone.
for _ in $(seq 100); do
	case "$(ui_meter hot)" in *"█"*) sleep 0.1 ;; *) break ;; esac
done
case "$(ui_meter hot)" in *"█"*) fail "meter still lit without a signal: '$(ui_row hot)'" ;; esac
# Its port went with the source: the track says so and is not armed.
ui_row hot | grep -q "no input" || fail "hot's gone port not shown: '$(ui_row hot)'"
ui_wait "4/5 armed" 5

# Transport: bars, sections (song.map: intro bar 1, verse 3, chorus 5).
ui_expect "1|1|0000"
ui_expect "intro"
ui_keys Right
ui_wait "2|1|0000" 5
ui_keys ]
ui_wait "3|1|0000" 5
ui_wait "verse" 5
ui_keys ]
ui_wait "chorus" 5
ui_keys [
ui_wait "3|1|0000" 5
ui_keys Home
ui_wait "1|1|0000" 5
ui_keys g
ui_wait "Go to" 5
ui_keys "chorus" Enter
ui_wait "5|1|0000" 5
ui_keys g "nowhere" Enter
ui_wait "error: go to: position 'nowhere'" 5
ui_expect "5|1|0000"
# Loop the section the play head is in; roll, stop.
ui_keys l
ui_wait "LOOP 5|1-7|1" 5
ui_keys Space
ui_wait "PLAYING" 5
ui_keys Space
ui_wait "STOPPED" 5
ui_keys l
ui_wait_gone "LOOP" 5
ui_keys k
ui_wait "click off" 5
ui_keys k
ui_wait "click on" 5

# Record with the count-in: the countdown, then the tally (the transport
# held at the record point meanwhile), and the take.
ui_expect "count-in 1"
ui_keys Home
ui_wait "1|1|0000" 5
ui_keys r
ui_wait "COUNT-IN" 5
ui_expect "REC ARMED"
ui_wait "REC 001" 10
sleep 1
ui_keys Space
ui_wait "last take 001" 15
# Four files: hot, without its port, was not armed.
[ "$(json_get "$S/session.json" takes.0.files.#)" = 4 ] || fail "take 001 has not 4 files"

# The cue view: monitoring of the kick on, saved in the session.
ui_keys c
ui_wait "cue mix" 5
ui_expect "click"
for _ in $(seq 20); do
	ui_screen
	grep -qE '^> +2 kick input' "$E2E_TMP/screen" && break
	ui_keys Down
	sleep 0.1
done
grep -qE '^> +2 kick input +off' "$E2E_TMP/screen" || fail "cursor not on kick input:
$(cat "$E2E_TMP/screen")"
ui_keys o
sleep 0.3
ui_screen
grep -qE '^> +2 kick input +on' "$E2E_TMP/screen" || fail "monitoring not on:
$(cat "$E2E_TMP/screen")"
ui_keys Left Left Left
sleep 0.3
ui_screen
grep -qE '^> +2 kick input +on +-3\.0 dB' "$E2E_TMP/screen" || fail "monitor level not -3 dB:
$(cat "$E2E_TMP/screen")"
sleep 1.5 # levels are saved at most once a second
[ "$(json_get "$S/session.json" tracks.1.monitor)" = true ] || fail "monitor not saved"
[ "$(json_get "$S/session.json" tracks.1.monitor_db)" = -3.0 ] \
	|| [ "$(json_get "$S/session.json" tracks.1.monitor_db)" = -3 ] || fail "monitor level not saved: $(json_get "$S/session.json" tracks.1.monitor_db)"
ui_keys Escape
ui_wait "R M" 5
row=$(ui_row kick)
case "$row" in *" R M "*) ;; *) fail "tracks view does not show kick monitored: '$row'" ;; esac

# The message log has the refused go-to.
ui_keys w
ui_wait "messages (all of them" 5
ui_expect "position 'nowhere'"
ui_keys Escape

# Help lists the keys; any other key closes it.
ui_keys "?"
ui_wait "redlight keys" 5
ui_expect "play / stop"
ui_expect "quit, asks if recording"
ui_keys Escape
ui_wait_gone "redlight keys" 5

# Resize: wider (the group column appears), too small, back.
tmx resize-window -t ui -x 200 -y 50
sleep 0.5
ui_screen
[ "$(wc -l <"$E2E_TMP/screen")" = 50 ] || fail "not 50 rows after resize: $(wc -l <"$E2E_TMP/screen")"
ui_wait "group" 5
grep -q "redlight-source:out_1" "$E2E_TMP/screen" || fail "full port names not shown at 200 columns"
sed -n 48p "$E2E_TMP/screen" | grep -q "disk " || fail "status line not at row 48: $(sed -n 48p "$E2E_TMP/screen")"
tmx resize-window -t ui -x 50 -y 8
ui_wait "too small" 5
tmx resize-window -t ui -x 80 -y 24
ui_wait "disk " 5
ui_expect "R M"
sed -n 22p "$E2E_TMP/screen" | grep -q "disk " || fail "status line not at row 22: $(sed -n 22p "$E2E_TMP/screen")"
ui_quit
echo "ok"
