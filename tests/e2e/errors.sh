#!/usr/bin/env bash
# Bad situations give one clear line and a non-zero exit, never a crash.
. "$(dirname "$0")/lib.sh"
export JACK_DEFAULT_SERVER="rl-none-$$"
"$REDLIGHT" record --duration 1 "$E2E_TMP/s1" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran without a server"
expect_contains "$E2E_TMP/e" "no JACK server running"

start_jackd 48000 256
start_source 2
"$REDLIGHT" record --duration 1 --inputs 'nothing-like-this' "$E2E_TMP/s2" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran with no port"
expect_contains "$E2E_TMP/e" "no JACK output port matches 'nothing-like-this'"
"$REDLIGHT" record --duration 1 --input 'redlight-source:missing' "$E2E_TMP/s3" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran with a missing port"
expect_contains "$E2E_TMP/e" "redlight-source:missing"
touch "$E2E_TMP/afile"
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' "$E2E_TMP/afile/s" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran in an unwritable place"
expect_contains "$E2E_TMP/e" "$E2E_TMP/afile/s"
"$REDLIGHT" record --format mp3 "$E2E_TMP/s4" >"$E2E_TMP/o" 2>"$E2E_TMP/e"; [ $? = 2 ] || fail "bad format not a usage error"
expect_contains "$E2E_TMP/e" "mp3"
"$REDLIGHT" frobnicate >"$E2E_TMP/o" 2>"$E2E_TMP/e"; [ $? = 2 ] || fail "unknown command"
mkdir -p "$E2E_TMP/s5" && echo '{"redlight_session": 1, "tracks": [' >"$E2E_TMP/s5/session.json"
cp "$E2E_TMP/s5/session.json" "$E2E_TMP/before"
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' "$E2E_TMP/s5" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran on a broken session.json"
expect_contains "$E2E_TMP/e" "session.json:"
cmp -s "$E2E_TMP/before" "$E2E_TMP/s5/session.json" || fail "broken session.json was changed"
# A malformed tempo map: file, line, column and what was expected; the
# session is not touched by it.
printf 'intro: 2 120\nverse: 4 3/ 100\n' >"$E2E_TMP/bad.map"
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' --tempo-map "$E2E_TMP/bad.map" \
	"$E2E_TMP/s6" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran with a broken tempo map"
expect_contains "$E2E_TMP/e" "bad.map:2:"
expect_contains "$E2E_TMP/e" "expected"
[ ! -e "$E2E_TMP/s6/tempo.map" ] || fail "a broken map was copied into the session"
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' --start nowhere \
	"$E2E_TMP/s7" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran with an unknown position"
expect_contains "$E2E_TMP/e" "position 'nowhere'"
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' --punch 5:3 \
	"$E2E_TMP/s8" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran with punch-out before punch-in"
expect_contains "$E2E_TMP/e" "must come after"
"$REDLIGHT" record --duration 1 --inputs 'redlight-source:' --click-sound "$E2E_TMP/none.wav" \
	"$E2E_TMP/s9" >"$E2E_TMP/o" 2>"$E2E_TMP/e" && fail "ran with a missing click sound"
expect_contains "$E2E_TMP/e" "none.wav"
"$REDLIGHT" --help | grep -q "redlight record" || fail "--help"
echo ok
