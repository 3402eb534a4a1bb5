#!/usr/bin/env bash
# Markers from the terminal UI while stopped: M names one at the play
# head, m sets "marker N", the transport bar shows the markers around the
# play head, ' lists them; in the list Enter goes to one, m moves it to
# the play head, e renames it, d removes it (asked first); g goes to a
# marker by name. Every change is in session.json at once.
. "$(dirname "$0")/lib.sh"
start_jackd 48000 256
start_source 2
S="$E2E_TMP/session"
J="$S/session.json"
add_track "$S" kick "redlight-source:out_1"
add_track "$S" snare "redlight-source:out_2"

# frame_of NAME: marker NAME's frame in session.json ("none": not there).
frame_of() {
	python3 -c 'import json,sys
m = {x["name"]: x["frame"] for x in json.load(open(sys.argv[1]))["markers"]}
print(m.get(sys.argv[2], "none"))' "$J" "$1"
}
expect_frame() { # expect_frame NAME FRAME
	local got
	for _ in $(seq 30); do
		got=$(frame_of "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	fail "marker '$1' at $got, want $2"
}

ui_start 80 24 "$S" --no-osc
ui_wait "2/2 armed" 10

# 120 bpm 4/4: bar 5 is frame 384000.
ui_keys g
ui_wait "Go to" 5
ui_keys 5 Enter
ui_wait "5|1|0000" 5
ui_keys M
ui_wait "Marker name:" 5
ui_keys verse Enter
ui_wait 'marker "verse" at 5|1|0' 5
expect_frame verse 384000
ui_expect "◆ verse"
ui_keys Home
ui_wait "▸ verse" 5
ui_keys m
ui_wait 'marker "marker 2" at 1|1|0' 5
expect_frame "marker 2" 0

# The list: rename verse, move marker 2 to bar 3, go to one, remove one.
ui_keys "'"
ui_wait "markers (Esc closes)" 5
ui_expect "marker 2"
ui_keys Down e
ui_wait "Rename marker:" 5
ui_keys C-u chorus Enter
ui_wait 'marker "verse" renamed "chorus"' 5
expect_frame chorus 384000
[ "$(frame_of verse)" = none ] || fail "verse is still there"
ui_keys Escape
ui_wait_gone "markers (Esc closes)" 5
ui_keys g
ui_wait "Go to" 5
ui_keys 3 Enter
ui_wait "3|1|0000" 5
ui_keys "'"
ui_wait "markers (Esc closes)" 5
ui_keys Up m
ui_wait 'marker "marker 2" moved to 3|1|0' 5
expect_frame "marker 2" 192000
ui_keys Down Enter
ui_wait "5|1|0000" 5
ui_keys d
ui_wait 'Remove marker "chorus"? (y/n)' 5
ui_keys y
ui_wait 'marker "chorus" removed' 5
expect_frame chorus none
ui_keys Escape
ui_wait_gone "markers (Esc closes)" 5

# g takes a marker's name.
ui_keys g
ui_wait "Go to" 5
ui_keys "marker 2" Enter
ui_wait "3|1|0000" 5
ui_quit
