#!/usr/bin/env bash
# `redlight new`: a session from a template, without a JACK server; an
# existing session is never touched; template errors name file:line.
. "$(dirname "$0")/lib.sh"
# No server: `new` must not need one.
export JACK_DEFAULT_SERVER="rl-none-$$"
S="$E2E_TMP/band"

"$REDLIGHT" new "$S" --template band >"$E2E_TMP/o" 2>"$E2E_TMP/e" \
	|| fail "new failed: $(cat "$E2E_TMP/e")"
expect_contains "$E2E_TMP/o" "session $S: 11 tracks (template band)"
[ ! -s "$E2E_TMP/e" ] || fail "stderr not empty: $(cat "$E2E_TMP/e")"
J="$S/session.json"
[ "$(json_get "$J" tracks.#)" = 11 ] || fail "band: $(json_get "$J" tracks.#) tracks"
i=0
for want in kick snare hihat tom1 tom2 oh-l oh-r bass-di gtr keys vox; do
	[ "$(json_get "$J" tracks.$i.name)" = "$want" ] || fail "track $i: $(json_get "$J" tracks.$i.name), not $want"
	[ "$(json_get "$J" tracks.$i.source)" = "system:capture_$((i + 1))" ] || fail "track $want source: $(json_get "$J" tracks.$i.source)"
	[ "$(json_get "$J" tracks.$i.number)" = $((i + 1)) ] || fail "track $want number"
	i=$((i + 1))
done
[ "$(json_get "$J" takes.#)" = 0 ] || fail "a new session has takes"
[ -d "$S/takes" ] && [ -d "$S/trash" ] || fail "no takes/ or trash/"
[ ! -e "$S/.redlight.lock" ] || fail "new left its lock behind"

# Never over an existing session, whatever the flags.
cp "$J" "$E2E_TMP/before"
"$REDLIGHT" new "$S" >"$E2E_TMP/o" 2>"$E2E_TMP/e"
rc=$?
[ $rc = 1 ] || fail "new on an existing session exited $rc, not 1"
expect_contains "$E2E_TMP/e" "$S is already a session"
cmp -s "$J" "$E2E_TMP/before" || fail "existing session.json changed"
"$REDLIGHT" new "$S" --template empty --force-existing >"$E2E_TMP/o" 2>"$E2E_TMP/e" \
	&& fail "--force-existing overwrote a session"
cmp -s "$J" "$E2E_TMP/before" || fail "existing session.json changed (--force-existing)"

# Default: no tracks.
"$REDLIGHT" new "$E2E_TMP/empty" >"$E2E_TMP/o" 2>"$E2E_TMP/e" || fail "new empty: $(cat "$E2E_TMP/e")"
expect_contains "$E2E_TMP/o" "0 tracks (template empty)"
[ "$(json_get "$E2E_TMP/empty/session.json" tracks.#)" = 0 ] || fail "empty has tracks"

# A directory with other files in it needs --force-existing.
mkdir "$E2E_TMP/notes" && echo hello >"$E2E_TMP/notes/readme.txt"
"$REDLIGHT" new "$E2E_TMP/notes" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "new in a non-empty directory"
expect_contains "$E2E_TMP/e" "--force-existing"
[ ! -e "$E2E_TMP/notes/session.json" ] || fail "made a session in a non-empty directory"
"$REDLIGHT" new "$E2E_TMP/notes" --force-existing >"$E2E_TMP/o" 2>"$E2E_TMP/e" \
	|| fail "--force-existing: $(cat "$E2E_TMP/e")"
[ "$(cat "$E2E_TMP/notes/readme.txt")" = hello ] || fail "other file touched"

# A custom template: comments, blank lines, a track without a port, a
# quoted port with a space.
T="$E2E_TMP/overdubs.tpl"
cat >"$T" <<'TPL'
# overdub day
lead-vox   system:capture_1

bgv.1      system:capture_2   # backing vocal
tambourine
acoustic   "USB Audio:capture_1"
TPL
"$REDLIGHT" new "$E2E_TMP/od" --template "$T" >"$E2E_TMP/o" 2>"$E2E_TMP/e" \
	|| fail "custom template: $(cat "$E2E_TMP/e")"
expect_contains "$E2E_TMP/o" "session $E2E_TMP/od: 4 tracks (template $T)"
J="$E2E_TMP/od/session.json"
[ "$(json_get "$J" tracks.#)" = 4 ] || fail "custom: $(json_get "$J" tracks.#) tracks"
[ "$(json_get "$J" tracks.0.name)" = lead-vox ] || fail "custom track 0"
[ "$(json_get "$J" tracks.1.name)" = bgv.1 ] || fail "custom track 1"
[ "$(json_get "$J" tracks.1.source)" = system:capture_2 ] || fail "custom source 1"
[ "$(json_get "$J" tracks.2.name)" = tambourine ] || fail "custom track 2"
[ "$(json_get "$J" tracks.2.source)" = "" ] || fail "track without a port has a source"
[ "$(json_get "$J" tracks.3.source)" = "USB Audio:capture_1" ] || fail "quoted port"

# Template errors: FILE:LINE, exit 1, nothing created.
bad_template() { # NAME TEXT EXPECTED_LINE EXPECTED_TEXT
	printf '%b' "$2" >"$E2E_TMP/$1"
	"$REDLIGHT" new "$E2E_TMP/s-$1" --template "$E2E_TMP/$1" >"$E2E_TMP/o" 2>"$E2E_TMP/e"
	local rc=$?
	[ $rc = 1 ] || fail "template $1: exit $rc, not 1: $(cat "$E2E_TMP/e")"
	expect_contains "$E2E_TMP/e" "$E2E_TMP/$1:$3:"
	expect_contains "$E2E_TMP/e" "$4"
	[ ! -e "$E2E_TMP/s-$1" ] || fail "template $1: a session was created"
}
bad_template dup.tpl 'kick system:capture_1\n# x\nsnare\nkick system:capture_3\n' 4 "duplicate track name 'kick'"
bad_template chars.tpl 'kick\nlead vox system:capture_2\n' 2 "bad port 'vox' for track 'lead'"
bad_template fields.tpl 'kick\nkeys system:capture_1 system:capture_2 x:y\n' 2 "too many fields"
bad_template same.tpl 'keys system:capture_1 system:capture_1\n' 1 "the left and right ports are both system:capture_1"
bad_template shared.tpl 'kick system:capture_1\nsnare system:capture_1\n' 2 "port system:capture_1 of track 'snare' is already the input of 'kick'"
bad_template right.tpl 'keys system:capture_1 nocolon\n' 1 "bad port 'nocolon' for track 'keys'"
bad_template slash.tpl '\n\nguitar/amp system:capture_1\n' 3 "bad track name"
bad_template long.tpl "$(printf 'x%.0s' $(seq 64)) system:capture_1\n" 1 "at most 63"
bad_template port.tpl 'kick capture_1\n' 1 "bad port"
# A port the session would refuse is refused here, before anything is
# made (found by tests/fuzz/fuzz_template.c: a session was left with the
# tracks before it).
bad_template colon.tpl 'kick system:capture_1\nsnare system:\n' 2 "bad port 'system:'"

"$REDLIGHT" new "$E2E_TMP/x" --template no-such-template >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "unknown template"
expect_contains "$E2E_TMP/e" "no-such-template"
[ ! -e "$E2E_TMP/x" ] || fail "unknown template created a session"

"$REDLIGHT" new --help >"$E2E_TMP/o" 2>&1 || fail "new --help"
expect_contains "$E2E_TMP/o" "redlight new SESSION_DIR"
"$REDLIGHT" new >"$E2E_TMP/o" 2>&1
[ $? = 2 ] || fail "new without a directory is not a usage error"
"$REDLIGHT" new a b >"$E2E_TMP/o" 2>&1
[ $? = 2 ] || fail "new with two directories is not a usage error"
# A template's tracks are recorded into by their ports: the files carry
# the template's names and numbers, not the ports'.
start_jackd 48000 256
start_source 3
printf 'kick redlight-source:out_2\nsnare redlight-source:out_1\nvox redlight-source:out_3\n' \
	>"$E2E_TMP/studio.tpl"
"$REDLIGHT" new "$E2E_TMP/st" --template "$E2E_TMP/studio.tpl" >"$E2E_TMP/o" 2>&1 \
	|| fail "new from studio.tpl: $(cat "$E2E_TMP/o")"
"$REDLIGHT" record --no-click --duration 1 --inputs 'redlight-source:out_[12]$' "$E2E_TMP/st" \
	>"$E2E_TMP/o" 2>"$E2E_TMP/e" || fail "record into the template: $(cat "$E2E_TMP/e")"
[ -f "$E2E_TMP/st/takes/001/01-kick.wav" ] || fail "no 01-kick.wav: $(ls "$E2E_TMP/st/takes/001")"
[ -f "$E2E_TMP/st/takes/001/02-snare.wav" ] || fail "no 02-snare.wav"
[ "$(json_get "$E2E_TMP/st/session.json" tracks.#)" = 3 ] || fail "recording added tracks"
verify_take_run "$E2E_TMP/o" "$E2E_TMP/st/takes/001" --expect-tracks 2 --expect-frames 48000 \
	--channel-of 01-kick.wav=1 --channel-of 02-snare.wav=0
echo ok
