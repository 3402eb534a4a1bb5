# SPDX-License-Identifier: GPL-3.0-or-later
# Harness of the UI tests: everything of tests/e2e/lib.sh (a private dummy
# jackd, the frame-counter source, cleanup), plus the real program running
# inside a private tmux server, driven with send-keys and read back with
# capture-pane.
#
# Environment (tests/meson.build): REDLIGHT, REDLIGHT_SOURCE, VERIFY_TAKE,
# JSON_GET, SOURCE_ROOT.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

# A tmux server of our own (-L): never the developer's, gone at exit.
UI_TMUX="rl-ui-$E2E_NAME-$$"
# Sanitizer reports go to files: under the UI, stderr is the UI's.
export ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$E2E_TMP/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:print_stacktrace=1:log_path=$E2E_TMP/ubsan"
UI_ALLOW_REPORTS=0

ui_cleanup() {
	tmux -L "$UI_TMUX" kill-server 2>/dev/null
	if [ "$UI_ALLOW_REPORTS" = 0 ] && ls "$E2E_TMP"/asan.* "$E2E_TMP"/ubsan.* >/dev/null 2>&1; then
		echo "FAIL [$E2E_NAME]: sanitizer report:" >&2
		cat "$E2E_TMP"/asan.* "$E2E_TMP"/ubsan.* >&2 2>/dev/null
		e2e_cleanup
		exit 1
	fi
	e2e_cleanup
}
trap ui_cleanup EXIT

tmx() { tmux -L "$UI_TMUX" "$@"; }

# ui_start COLS ROWS ARGS...: run `redlight ARGS...` in a COLSxROWS tmux
# window. When it exits, its status goes to $E2E_TMP/ui.rc and the
# terminal's modes (stty -a) to $E2E_TMP/ui.stty, and the pane stays.
ui_start() {
	local cols=$1 rows=$2
	shift 2
	rm -f "$E2E_TMP/ui.rc" "$E2E_TMP/ui.stty"
	local cmd
	cmd="cd $(printf %q "$E2E_TMP") && $(printf '%q ' "$REDLIGHT" "$@")"
	cmd="$cmd; echo \$? >ui.rc; stty -a >ui.stty; echo redlight-exited; exec sleep 3600"
	tmx -f /dev/null new-session -d -s ui -x "$cols" -y "$rows" \
		env "JACK_DEFAULT_SERVER=$JACK_DEFAULT_SERVER" \
		"JACK_NO_AUDIO_RESERVATION=1" "ASAN_OPTIONS=$ASAN_OPTIONS" \
		"UBSAN_OPTIONS=$UBSAN_OPTIONS" "LANG=${UI_LANG:-C.UTF-8}" \
		"LC_ALL=${UI_LANG:-C.UTF-8}" TERM=tmux-256color \
		bash -c "$cmd" || fail "tmux new-session failed"
	tmx set-option -t ui status off >/dev/null
	ui_wait "disk " 20
	UI_PID=$(pgrep -P "$(tmx list-panes -t ui -F '#{pane_pid}')" -x redlight | head -1)
	[ -n "$UI_PID" ] || fail "no redlight process in the pane"
}

# ui_screen [FILE]: the pane's text now (default $E2E_TMP/screen).
ui_screen() {
	local out=${1:-$E2E_TMP/screen}
	tmx capture-pane -p -t ui >"$out" 2>/dev/null || fail "capture-pane failed"
}

# ui_wait TEXT SECONDS: until the screen shows TEXT.
ui_wait() {
	local text=$1 secs=$2
	for _ in $(seq $((secs * 10))); do
		ui_screen
		grep -qF -- "$text" "$E2E_TMP/screen" && return 0
		if [ -f "$E2E_TMP/ui.rc" ] && [ "$text" != redlight-exited ]; then
			fail "redlight exited ($(cat "$E2E_TMP/ui.rc")) while waiting for '$text': $(cat "$E2E_TMP/screen")"
		fi
		sleep 0.1
	done
	fail "timed out waiting for '$text' on screen:
$(cat "$E2E_TMP/screen")"
}

# ui_wait_gone TEXT SECONDS: until the screen no longer shows TEXT.
ui_wait_gone() {
	local text=$1 secs=$2
	for _ in $(seq $((secs * 10))); do
		ui_screen
		grep -qF -- "$text" "$E2E_TMP/screen" || return 0
		sleep 0.1
	done
	fail "'$text' still on screen after $secs s:
$(cat "$E2E_TMP/screen")"
}

# ui_keys KEY...: tmux send-keys (key names like Space, Enter, Up, F3).
ui_keys() {
	tmx send-keys -t ui "$@" || fail "send-keys $* failed"
}

# ui_row NAME: the screen line of track NAME (its first match).
ui_row() {
	ui_screen
	grep -E "^[> ] *[0-9]+ .* $1 " "$E2E_TMP/screen" | head -1
}

# ui_meter NAME: the meter cells of track NAME's row (after "R M").
ui_meter() {
	# The state column is blank for a track without its input.
	ui_row "$1" | sed -E 's/^.* [RS·. ] [M·.] ([^ ]*).*/\1/'
}

# ui_expect TEXT: the screen shows TEXT now.
ui_expect() {
	ui_screen
	grep -qF -- "$1" "$E2E_TMP/screen" || fail "expected '$1' on screen:
$(cat "$E2E_TMP/screen")"
}

# ui_expect_not TEXT
ui_expect_not() {
	ui_screen
	grep -qF -- "$1" "$E2E_TMP/screen" && fail "did not expect '$1' on screen:
$(cat "$E2E_TMP/screen")"
	return 0
}

# ui_quit: q (answering y if it asks), then the program must exit 0 with
# the terminal given back (canonical mode and echo again).
ui_quit() {
	ui_keys q
	sleep 0.3
	ui_screen
	grep -qF "(y/n)" "$E2E_TMP/screen" && ui_keys y
	ui_wait redlight-exited 30
	[ "$(cat "$E2E_TMP/ui.rc")" = 0 ] || fail "redlight exited $(cat "$E2E_TMP/ui.rc")"
	ui_terminal_restored
}

# The terminal modes after redlight exited are the shell's again.
ui_terminal_restored() {
	grep -qE '(^| )icanon( |$)' "$E2E_TMP/ui.stty" || fail "terminal left in raw mode: $(cat "$E2E_TMP/ui.stty")"
	grep -qE '(^| )echo( |$)' "$E2E_TMP/ui.stty" || fail "terminal left without echo: $(cat "$E2E_TMP/ui.stty")"
}

# add_track DIR NAME PORT [GROUP [COLOUR]]: a track of session DIR (made
# if needed) recording from PORT.
add_track() {
	local dir=$1 name=$2 port=$3 group=${4:-} colour=${5:-}
	if [ ! -f "$dir/session.json" ]; then
		"$REDLIGHT" new "$dir" >"$E2E_TMP/new.out" 2>&1 || fail "new: $(cat "$E2E_TMP/new.out")"
	fi
	"$REDLIGHT" tracks add "$dir" "$name" --input "$port" \
		${group:+--group "$group"} ${colour:+--colour "$colour"} \
		>"$E2E_TMP/add.out" 2>&1 || fail "tracks add $name: $(cat "$E2E_TMP/add.out")"
}
