#!/usr/bin/env bash
# The sendmail hookup at the protocol level (a real sendmail runs in sendmail_real.sh; here none):
# 1. `deskgate sendmail-config`'s lines are built into a sendmail.cf with sendmail-cf's m4
#    macros, and the .cf holds the milter (X) and LMTP mailer (M) definitions they promise.
# 2. miltertest plays sendmail at the milter protocol level against deskgate-milter, with
#    sendmail's macros: {daemon_name} "MTA" on port 25 (inbound: a customer not enabled is
#    refused at RCPT with 550 5.7.1, an enabled one passes untouched) and "OUTBOUND-MSA" on the
#    submission port the printed DAEMON_OPTIONS line names (outbound: From and Reply-To
#    rewritten, the signed journal recipient added).
set -euo pipefail
: "${DESKGATE_BIN_DIR:?}" "${DESKGATE_SOURCE_DIR:?}"
bin="$DESKGATE_BIN_DIR/bin"
for tool in miltertest m4; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/install-deps.sh installs it)"; exit 1; }
done
cf_m4=/usr/share/sendmail/cf/m4/cf.m4
[ -f "$cf_m4" ] || { echo "FAIL: $cf_m4 is missing (package sendmail-cf)"; exit 1; }

base="$(mktemp -d /tmp/deskgate-sendmail-XXXXXX)"
milter_pid=""
cleanup() {
  [ -n "$milter_pid" ] && kill "$milter_pid" 2>/dev/null && wait "$milter_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$base"
}
trap cleanup EXIT
fail=0
check() {  # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}

cp -r "$DESKGATE_SOURCE_DIR/config/examples" "$base/cfg"
config="$base/cfg/deskgate.toml"
sed -i -e "s|unix:/run/deskgate/lmtp.sock|unix:$base/lmtp.sock|" \
       -e "s|unix:/run/deskgate/milter.sock|unix:$base/milter.sock|" \
       -e "s|/var/lib/deskgate/store|$base/store|" "$config"

# 1. sendmail-config -> sendmail.mc -> sendmail.cf
"$bin/deskgate" sendmail-config --config "$config" > "$base/deskgate.mc"
cat "$base/deskgate.mc"
{
  echo "divert(-1)"
  echo "include(\`$cf_m4')"
  echo "divert(0)dnl"
  echo "OSTYPE(\`linux')dnl"
  echo "DOMAIN(\`generic')dnl"
  cat "$base/deskgate.mc"   # as printed, before the MAILER lines
  echo "MAILER(\`local')dnl"
  echo "MAILER(\`smtp')dnl"
} > "$base/sendmail.mc"
m4 "$base/sendmail.mc" > "$base/sendmail.cf" 2> "$base/m4.err"
check "m4 builds a sendmail.cf from the printed lines without errors" test ! -s "$base/m4.err"
check "sendmail.cf defines the milter with F=T and its timeouts" \
  grep -q "^Xdeskgate, S=local:$base/milter.sock, F=T, T=C:10s;S:30s;R:30s;E:5m" "$base/sendmail.cf"
check "sendmail.cf runs it on every daemon (InputMailFilters)" grep -q "^O InputMailFilters=deskgate" "$base/sendmail.cf"
check "sendmail.cf has the LMTP mailer on deskgate-lmtpd's socket" \
  grep -q "^Mdeskgate, P=\[IPC\], F=lsmnqXz, .*A=FILE $base/lmtp.sock" "$base/sendmail.cf"
check "sendmail.cf names the submission daemon OUTBOUND-MSA" grep -q "^O DaemonPortOptions=Port=submission, Name=OUTBOUND-MSA, M=Ea" "$base/sendmail.cf"
check "sendmail.cf keeps a port 25 daemon named MTA" grep -q "^O DaemonPortOptions=Port=smtp, Name=MTA$" "$base/sendmail.cf"
check "sendmail.cf has no second daemon on port 587" bash -c "! grep -q '^O DaemonPortOptions=Port=587' '$base/sendmail.cf'"
check "sendmail.cf reads the mailertable" grep -q "mailertable" "$base/sendmail.cf"
check "the mailertable entry sends the helpdesk domain to that mailer" \
  grep -q "^dnl   helpdesk.example.com	deskgate:localhost" "$base/deskgate.mc"

# 2. miltertest as sendmail
"$bin/deskgate-milter" --config "$config" --foreground > "$base/milter.log" 2>&1 &
milter_pid=$!
for _ in $(seq 100); do [ -S "$base/milter.sock" ] && break; sleep 0.1; done
check "deskgate-milter listens on the config's milter_socket" test -S "$base/milter.sock"

secret="$(tr -d '\r\n ' < "$base/cfg/secret")"
read -r reply_sig journal_sig < <(python3 -c '
import hmac, hashlib, sys
s = sys.argv[1].encode()
h = lambda m: hmac.new(s, m.encode(), hashlib.sha256).hexdigest()
print(h("reply-token:10-1")[:16], h("journal:10-1:r1@example.com")[:32])' "$secret")

cat > "$base/inbound.lua" <<EOF
-- sendmail's port 25 daemon is named "MTA"
conn = mt.connect("unix:$base/milter.sock", 20, 0.25)
if conn == nil then error "cannot connect to deskgate-milter" end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.com", "{daemon_name}", "MTA")
if mt.conninfo(conn, "mail.globex.example", "192.0.2.7") ~= nil then error "conninfo failed" end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error "connect: not continued" end
mt.macro(conn, SMFIC_MAIL, "i", "q1globex")
if mt.mailfrom(conn, "<carol@globex.example>") ~= nil then error "mailfrom failed" end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error "MAIL: not continued" end
if mt.rcptto(conn, "<support@helpdesk.example.com>") ~= nil then error "rcptto failed" end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error "RCPT from a customer not enabled: not refused" end
mt.echo("ok   inbound: globex refused at RCPT (SMFIR_REPLYCODE)")
mt.disconnect(conn)

conn = mt.connect("unix:$base/milter.sock", 20, 0.25)
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.com", "{daemon_name}", "MTA")
mt.conninfo(conn, "mail.acme.example", "192.0.2.8")
mt.macro(conn, SMFIC_MAIL, "i", "q2acme")
mt.mailfrom(conn, "<alice@acme.example>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error "MAIL alice: not continued" end
mt.rcptto(conn, "<support@helpdesk.example.com>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error "RCPT alice: not continued" end
mt.header(conn, "From", "Alice <alice@acme.example>")
mt.header(conn, "To", "support@helpdesk.example.com")
mt.header(conn, "Subject", "Printer on fire")
mt.header(conn, "Message-ID", "<p1@acme.example>")
-- no mt.eoh: deskgate-milter negotiates SMFIP_NOEOH, as sendmail would honour
mt.bodystring(conn, "Help!\r\n")
mt.eom(conn)
local r = mt.getreply(conn)
if r ~= SMFIR_CONTINUE and r ~= SMFIR_ACCEPT then error "EOM alice: not accepted" end
if mt.eom_check(conn, MT_HDRCHANGE, "From") or mt.eom_check(conn, MT_RCPTADD, "journal") then
  error "inbound mail was modified"
end
mt.echo("ok   inbound: an enabled customer's mail passes untouched")
mt.disconnect(conn)
EOF

cat > "$base/outbound.lua" <<EOF
-- the submission daemon the printed DAEMON_OPTIONS line names OUTBOUND-MSA
conn = mt.connect("unix:$base/milter.sock", 20, 0.25)
if conn == nil then error "cannot connect to deskgate-milter" end
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.com", "{daemon_name}", "OUTBOUND-MSA")
mt.conninfo(conn, "localhost", "127.0.0.1")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error "connect: not continued" end
mt.macro(conn, SMFIC_MAIL, "i", "q3jana", "{auth_authen}", "jana")
mt.mailfrom(conn, "<jana@example.com>")
mt.rcptto(conn, "<alice@acme.example>")
if mt.getreply(conn) ~= SMFIR_CONTINUE then error "RCPT: not continued" end
mt.header(conn, "From", "Jana Novak <jana@example.com>")
mt.header(conn, "To", "alice@acme.example")
mt.header(conn, "Subject", "Re: [Support#10-1] Printer on fire")
mt.header(conn, "Message-ID", "<r1@example.com>")
-- no mt.eoh: deskgate-milter negotiates SMFIP_NOEOH, as sendmail would honour
mt.bodystring(conn, "The technician is on his way.\r\n")
mt.eom(conn)
local r = mt.getreply(conn)
if r ~= SMFIR_CONTINUE and r ~= SMFIR_ACCEPT then error "EOM: not accepted" end
if not mt.eom_check(conn, MT_HDRCHANGE, "From") then error "From was not rewritten" end
mt.echo("ok   outbound: From rewritten")
if not (mt.eom_check(conn, MT_HDRADD, "Reply-To") or mt.eom_check(conn, MT_HDRINSERT, "Reply-To") or
        mt.eom_check(conn, MT_HDRCHANGE, "Reply-To")) then error "no Reply-To" end
mt.echo("ok   outbound: Reply-To set")
if not (mt.eom_check(conn, MT_RCPTADD, "journal+j$journal_sig@helpdesk.example.com") or
        mt.eom_check(conn, MT_RCPTADD, "<journal+j$journal_sig@helpdesk.example.com>")) then
  error "the signed journal recipient was not added"
end
mt.echo("ok   outbound: journal+j$journal_sig recipient added")
mt.disconnect(conn)
EOF

for script in inbound outbound; do
  if miltertest -s "$base/$script.lua" > "$base/$script.out" 2>&1; then
    cat "$base/$script.out"
  else
    cat "$base/$script.out"; echo "FAIL miltertest $script.lua"; fail=1
  fi
done
if [ "$fail" -ne 0 ]; then
  echo "--- milter log"; cat "$base/milter.log"
  exit 1
fi
echo "all checks passed (reply token sig $reply_sig)"
