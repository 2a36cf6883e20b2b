#!/bin/sh
# The whole suite against the loopback transport and a scripted responder
# (data/rfc-responder.resp): each scenario's result is the expected one
# (data/rfc-responder.expected), the reports are written and well formed,
# and the suite is tested too: a responder that ignores the TTL rule makes
# the TTL scenario fail, and says why in the RFC's words. Also: the exit
# statuses, and errors in scenario files stop the run with file:line:col.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/conformance/lib.sh"
need_conform
RUN="$CONFORM --requirements $TABLE --target-node-id 00112233445566778899aabbccddeeff --seed 7"

$RUN --transport="script:$DATA/rfc-responder.resp" --tap "$TMP/r.tap" --junit "$TMP/r.xml" \
  --json "$TMP/r.json" --html "$TMP/r.html" --coverage "$SCEN" >"$TMP/out" 2>"$TMP/err"
check "exit status 1 (the expected failures)" test $? -eq 1
grep -E '^(PASS|FAIL|SKIP)  ' "$TMP/out" | awk '{print $1, $2}' >"$TMP/got"
if diff -u "$DATA/rfc-responder.expected" "$TMP/got"; then pass; else fail "results differ from rfc-responder.expected"; fi
last=$(tail -n 1 "$TMP/out")
want="$(grep -c '^PASS' "$TMP/got") passed, $(grep -c '^FAIL' "$TMP/got") failed, $(grep -c '^SKIP' "$TMP/got") skipped"
check "final line '$last'" test "$last" = "$want"
contains "coverage table" "$TMP/out" "Requirements of RFC 6940 checked by the tests that ran, by section:"
contains "coverage line" "$TMP/out" "Requirements checked: "
contains "warning without credentials" "$TMP/err" "no --cert/--key: messages are sent unsigned"
contains "a skip says why" "$TMP/out" "skipped: needs --cert and --key"
contains "TAP plan" "$TMP/r.tap" "1..$(wc -l <"$DATA/rfc-responder.expected" | tr -d ' ')"
contains "TAP failure" "$TMP/r.tap" "not ok "
if command -v xmllint >/dev/null 2>&1; then
  check "JUnit is well-formed XML (xmllint)" xmllint --noout "$TMP/r.xml"
fi
contains "JUnit counts" "$TMP/r.xml" "failures=\"$(grep -c '^FAIL' "$TMP/got")\""
# The JSON and HTML reports: the same counts, requirements with the RFC's
# words, what was sent, and for a failure what came back.
if command -v jq >/dev/null 2>&1; then
  check "JSON counts" test "$(jq -r '"\(.counts.passed) \(.counts.failed) \(.counts.skipped)"' "$TMP/r.json")" = \
    "$(grep -c '^PASS' "$TMP/got") $(grep -c '^FAIL' "$TMP/got") $(grep -c '^SKIP' "$TMP/got")"
  check "JSON: every test" test "$(jq '.tests | length' "$TMP/r.json")" -eq "$(wc -l <"$TMP/got")"
  check "JSON: a failure with its requirement's sentence, what was sent and received" \
    test "$(jq '[.tests[] | select(.verdict == "FAIL" and (.requirements[0].text | length) > 0 and .sent != null and (.received != null or .arrived_instead != null))] | length' "$TMP/r.json")" -eq "$(grep -c '^FAIL' "$TMP/got")"
fi
contains "HTML: the table by section" "$TMP/r.html" "<h2>By section of RFC 6940</h2>"
contains "HTML: a failure with the RFC's words" "$TMP/r.html" "(RFC 6940 6.3.4, MUST): &ldquo;"
contains "HTML: the decoded exchange" "$TMP/r.html" "<h4>sent</h4>"

# --- the suite is tested too: a responder that ignores TTL
sed '/forwarding_header.ttl > /,/^}/d' "$DATA/rfc-responder.resp" >"$TMP/no-ttl.resp"
check "the broken responder differs" test "$(wc -l <"$TMP/no-ttl.resp")" -lt "$(wc -l <"$DATA/rfc-responder.resp")"
$RUN --transport="script:$TMP/no-ttl.resp" "$SCEN/fwd-ttl-above-initial.scen" "$SCEN/ping-basic.scen" \
  >"$TMP/broken" 2>/dev/null
check "exit status 1 with the broken responder" test $? -eq 1
contains "TTL scenario fails" "$TMP/broken" "FAIL  fwd-ttl-above-initial"
contains "the reason" "$TMP/broken" 'message_contents.message_code is "ping_ans", expected == "error"'
contains "the requirement's words" "$TMP/broken" "RFC6940-6.3.2-8 (RFC 6940 6.3.2 Forwarding Header, MUST): \"Implementations which receive messages with a TTL greater than the current value of initial-ttl"
contains "what was sent" "$TMP/broken" "      ttl: 101"
contains "what came back" "$TMP/broken" "      message_code: ping_ans"
contains "other tests pass" "$TMP/broken" "PASS  ping-basic"
check "summary" test "$(tail -n 1 "$TMP/broken")" = "1 passed, 1 failed, 0 skipped"

# --- from the build tree, no flags: it finds its tests and table beside it
"$CONFORM" --list >"$TMP/list" 2>&1
check "--list without --requirements or scenarios (exit 0)" test $? -eq 0
check "... lists every scenario" test "$(grep -c '^ *requires ' "$TMP/list")" -eq "$(ls "$SCEN"/*.scen | wc -l)"

# --- exit status 0 when nothing failed
$RUN --transport="script:$DATA/rfc-responder.resp" --group forwarding "$SCEN" >"$TMP/fw" 2>/dev/null
check "exit status 0 when nothing failed" test $? -eq 0
contains "--group selects" "$TMP/fw" "PASS  fwd-ttl-above-initial"
check "--group selects only its group" test "$(grep -cE '^(PASS|FAIL|SKIP)  ' "$TMP/fw")" -eq "$(grep -l '^group *forwarding' "$SCEN"/*.scen | wc -l)"
$RUN --transport="script:$DATA/rfc-responder.resp" --tests 'ping-b*,fwd-version' "$SCEN" >"$TMP/sel" 2>/dev/null
check "--tests patterns" test "$(grep -cE '^(PASS|FAIL|SKIP)  ' "$TMP/sel")" -eq 2

# --- errors in scenario files stop the run
printf 'id bad\ntitle "x"\nrequires RFC6940-6.3.2-8\ngroup g\nsend { "a": }\n' >"$TMP/bad.scen"
$RUN --transport="script:$DATA/rfc-responder.resp" "$TMP/bad.scen" >"$TMP/o" 2>"$TMP/e"
check "a syntax error exits 2" test $? -eq 2
contains "file:line:col" "$TMP/e" "$TMP/bad.scen:5:13: expected a value, got '}'"
printf 'id bad\ntitle "x"\nrequires RFC6940-6.3.2-8, RFC6940-6.3.2-99\ngroup g\nsend {}\n' >"$TMP/bad.scen"
$RUN --transport="script:$DATA/rfc-responder.resp" "$TMP/bad.scen" >"$TMP/o" 2>"$TMP/e"
check "an unknown requirement exits 2" test $? -eq 2
contains "unknown requirement" "$TMP/e" "$TMP/bad.scen:3:27: unknown requirement ID RFC6940-6.3.2-99"
cp "$SCEN/ping-basic.scen" "$TMP/dup.scen"
$RUN --transport="script:$DATA/rfc-responder.resp" "$SCEN/ping-basic.scen" "$TMP/dup.scen" >"$TMP/o" 2>"$TMP/e"
check "a duplicate ID exits 2" test $? -eq 2
contains "duplicate ID" "$TMP/e" "test ID ping-basic is also used by"
$CONFORM --requirements "$TABLE" --target 127.0.0.1:6084 "$SCEN" >"$TMP/o" 2>"$TMP/e"
check "--target, TLS without credentials, exits 2" test $? -eq 2
contains "says so" "$TMP/e" "--link tls needs --cert, --key and --ca"
$CONFORM --requirements "$TABLE" --target no-port --link tcp "$SCEN" >"$TMP/o" 2>"$TMP/e"
check "--target without a port exits 2" test $? -eq 2
contains "says why" "$TMP/e" "expected HOST:PORT"
finish
