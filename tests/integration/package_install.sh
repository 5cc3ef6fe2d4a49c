#!/usr/bin/env bash
# The Debian package, installed for real: dpkg -i, what it ships and creates (binaries, manual
# pages, units, conffile, user, state directory, secret, group memberships), lintian, systemd-
# analyze verify, both daemons started the way their units start them (user deskgate, no new
# privileges, /run/deskgate as RuntimeDirectory), one mail over LMTP as user postfix becomes
# ticket 10-1, the milter answers Postfix, the outbox's sendmail works under NoNewPrivileges,
# then dpkg -r keeps the data, a reinstall finds it, dpkg --purge removes data, secret and user.
#
# Uses the .deb at $DESKGATE_PACKAGE, else builds one (release, BUILD_TESTING=OFF) in
# $DESKGATE_SOURCE_DIR/build/package: the CI build (ASan) is never what gets packaged.
# Needs root (exit 77 = skipped otherwise). Leaves the system as it found it.
set -euo pipefail
: "${DESKGATE_SOURCE_DIR:?}"

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (dpkg -i, users, /run/deskgate)"
    exit 77
fi
started=$SECONDS
ok() { echo "ok   $*"; }
fail() {
    echo "FAIL $*" >&2
    exit 1
}
check() {  # check "what" command...
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}

if dpkg-query -W -f='${Status}' deskgate 2>/dev/null | grep -q 'ok installed\|config-files'; then
    fail "a deskgate package is already on this machine: 'dpkg --purge deskgate' first (this test installs and purges its own)"
fi
# the purge at the end would take them along: never on data this test did not make
for d in /var/lib/deskgate /etc/deskgate; do
    [ ! -e "$d" ] || fail "$d exists without the package (a store or config made by hand?): move it away first"
done

# --- the package ---------------------------------------------------------------------------
deb=${DESKGATE_PACKAGE:-}
if [ -z "$deb" ]; then
    build="$DESKGATE_SOURCE_DIR/build/package"
    echo "building the package in $build (set DESKGATE_PACKAGE to use a ready one)"
    # the `package` preset: RelWithDebInfo, BUILD_TESTING=OFF, Debian's hardening flags
    (cd "$DESKGATE_SOURCE_DIR" && cmake --preset package >/dev/null &&
        cmake --build --preset package -j"$(nproc 2>/dev/null || echo 2)" >/dev/null &&
        cpack --preset package >/dev/null) || fail "building the package in $build"
    deb=$(ls -t "$build"/deskgate_*.deb | head -n1)
fi
[ -f "$deb" ] || fail "no package at '$deb'"
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
check "package file name deskgate_${version}_${arch}.deb" [ "$(basename "$deb")" = "deskgate_${version}_${arch}.deb" ]
echo "package: $deb"
dpkg-deb -f "$deb" Package Version Architecture Section Priority Depends Recommends | sed 's/^/  /'
recommends=$(dpkg-deb -f "$deb" Recommends)
for p in getmail6 fetchmail; do
    printf '%s\n' "$recommends" | tr ',' '\n' | grep -qx " *$p" || fail "the package recommends $p (deskgate fetch), got: $recommends"
done
ok "the package recommends getmail6 and fetchmail (the fetchers of deskgate fetch)"

work=$(mktemp -d /tmp/deskgate-package-XXXXXX)
chmod 755 "$work"
pids=()
created_main_cf=""
postfix_running=""
postfix_groups_before=$(id -nG postfix 2>/dev/null || true)
cleanup() {
    local rc=$?
    set +e
    [ -z "$postfix_running" ] || postfix -c "$work/postfix/etc" stop >/dev/null 2>&1
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    done
    if dpkg-query -W -f='${Status}' deskgate 2>/dev/null | grep -q 'ok installed\|config-files'; then
        dpkg --purge deskgate >/dev/null 2>&1 || echo "cleanup: dpkg --purge deskgate failed" >&2
    fi
    # mail our sendmail check left in Postfix's maildrop (no Postfix runs to pick it up)
    find /var/spool/postfix/maildrop -type f -newer "$work" -delete 2>/dev/null
    [ -z "$created_main_cf" ] || rm -f /etc/postfix/main.cf
    rm -rf "$work"
    [ "$rc" -eq 0 ] || echo "package_install: FAILED (exit $rc) after $((SECONDS - started)) s" >&2
    exit "$rc"
}
trap cleanup EXIT

# --- lintian (on the file, before installing) -----------------------------------------------
if command -v lintian >/dev/null; then
    lintian_out=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
    echo "lintian output:"
    if [ -n "$lintian_out" ]; then printf '%s\n' "$lintian_out" | sed 's/^/  /'; else echo "  (none)"; fi
    if printf '%s\n' "$lintian_out" | grep -q '^E:'; then fail "lintian reports errors"; fi
    ok "lintian: no E: lines"
else
    fail "lintian is not installed (scripts/install-deps.sh installs it)"
fi

# --- install --------------------------------------------------------------------------------
install_out=$(dpkg -i "$deb" 2>&1) || { printf '%s\n' "$install_out"; fail "dpkg -i $deb"; }
printf '%s\n' "$install_out" | sed 's/^/  /'
ok "dpkg -i installs the package"

files=$(dpkg -L deskgate)
for f in /usr/sbin/deskgate /usr/sbin/deskgate-lmtpd /usr/sbin/deskgate-milter \
         /usr/share/man/man8/deskgate.8.gz /usr/share/man/man8/deskgate-lmtpd.8.gz \
         /usr/share/man/man8/deskgate-milter.8.gz /usr/share/man/man5/deskgate.toml.5.gz \
         /lib/systemd/system/deskgate-lmtpd.service /lib/systemd/system/deskgate-milter.service \
         /lib/systemd/system/deskgate-tick.service /lib/systemd/system/deskgate-tick.timer \
         /lib/systemd/system/deskgate-fetch.service /lib/systemd/system/deskgate-fetch.timer \
         /usr/share/doc/deskgate/copyright /usr/share/doc/deskgate/changelog.Debian.gz \
         /usr/share/doc/deskgate/examples/deskgate.toml /usr/share/doc/deskgate/examples/sample-mail.eml \
         /usr/share/doc/deskgate/examples/conf.d/customers.toml /etc/deskgate/deskgate.toml; do
    printf '%s\n' "$files" | grep -qx "$f" || fail "dpkg -L deskgate lists $f"
    [ -e "$f" ] || fail "$f exists"
done
ok "dpkg -L lists binaries, manual pages, units, copyright, changelog, examples, config"
if printf '%s\n' "$files" | grep -q '/secret$'; then fail "the package ships no secret"; fi
ok "no secret file is shipped (the examples' test secret stays out)"
for f in /usr/sbin/deskgate /usr/sbin/deskgate-lmtpd /usr/sbin/deskgate-milter; do
    file -b "$f" | grep -q ', stripped' || fail "$f is stripped ($(file -b "$f"))"
done
ok "binaries are stripped"
for page in deskgate deskgate-lmtpd deskgate-milter "5 deskgate.toml"; do
    # shellcheck disable=SC2086
    where=$(man -w $page 2>&1) || fail "man -w $page"
    echo "  man -w $page: $where"
done
ok "man -w finds all four manual pages"
conffiles=$(dpkg-query -W -f='${Conffiles}' deskgate)
printf '%s\n' "$conffiles" | grep -q '^ /etc/deskgate/deskgate.toml ' || fail "/etc/deskgate/deskgate.toml is a conffile (got: $conffiles)"
ok "/etc/deskgate/deskgate.toml is a conffile"

# --- what postinst created ------------------------------------------------------------------
pw=$(getent passwd deskgate) || fail "getent passwd deskgate"
echo "  $pw"
[ "$(echo "$pw" | cut -d: -f7)" = /usr/sbin/nologin ] || fail "user deskgate has shell /usr/sbin/nologin"
[ "$(echo "$pw" | cut -d: -f6)" = /var/lib/deskgate ] || fail "user deskgate has home /var/lib/deskgate"
[ "$(echo "$pw" | cut -d: -f3)" -lt 1000 ] || fail "user deskgate is a system user"
getent group deskgate >/dev/null || fail "group deskgate exists"
ok "system user and group deskgate, home /var/lib/deskgate, shell /usr/sbin/nologin"
check "/var/lib/deskgate is deskgate:deskgate 0750" [ "$(stat -c '%U:%G %a' /var/lib/deskgate)" = "deskgate:deskgate 750" ]
check "/etc/deskgate/secret is root:deskgate 0640" [ "$(stat -c '%U:%G %a' /etc/deskgate/secret)" = "root:deskgate 640" ]
check "the secret holds 32 random bytes (64 hex digits)" grep -qxE '[0-9a-f]{64}' /etc/deskgate/secret
secret_sum=$(sha256sum /etc/deskgate/secret | cut -d' ' -f1)
if getent passwd postfix >/dev/null; then
    check "user postfix is in group deskgate (reaches the sockets in /run/deskgate)" bash -c "id -nG postfix | tr ' ' '\n' | grep -qx deskgate"
fi
if getent group postdrop >/dev/null; then
    check "user deskgate is in group postdrop (sendmail under NoNewPrivileges)" bash -c "id -nG deskgate | tr ' ' '\n' | grep -qx postdrop"
fi
for unit in deskgate-lmtpd deskgate-milter; do
    check "$unit.service enabled (multi-user.target.wants symlink, also without systemd as PID 1)" \
        [ -L /etc/systemd/system/multi-user.target.wants/$unit.service ]
done
check "deskgate-tick.timer enabled (timers.target.wants symlink)" [ -L /etc/systemd/system/timers.target.wants/deskgate-tick.timer ]
tick_out=$(setpriv --reuid deskgate --regid deskgate --init-groups /usr/sbin/deskgate tick --config /etc/deskgate/deskgate.toml 2>&1) \
    || fail "deskgate tick as user deskgate (what deskgate-tick.service runs): $tick_out"
ok "deskgate tick runs as user deskgate"
check "deskgate-fetch.timer enabled (timers.target.wants symlink)" [ -L /etc/systemd/system/timers.target.wants/deskgate-fetch.timer ]
check "deskgate-fetch.service is a oneshot as user deskgate with StateDirectory=deskgate/fetch (0700)" \
    [ "$(sed -n 's/^\(Type\|User\|StateDirectory\|StateDirectoryMode\|NoNewPrivileges\)=//p' /lib/systemd/system/deskgate-fetch.service | tr '\n' ' ')" = "oneshot deskgate deskgate/fetch 0700 yes " ]
# the shipped config has no [[queues.mailboxes]]: a run does nothing, successfully
fetch_out=$(setpriv --reuid deskgate --regid deskgate --init-groups /usr/sbin/deskgate fetch --config /etc/deskgate/deskgate.toml 2>&1) \
    || fail "deskgate fetch as user deskgate (what deskgate-fetch.service runs): $fetch_out"
ok "deskgate fetch runs as user deskgate (no mailboxes: nothing to do)"
check_config=$(setpriv --reuid deskgate --regid deskgate --init-groups /usr/sbin/deskgate check-config /etc/deskgate/deskgate.toml 2>&1) \
    || fail "deskgate check-config /etc/deskgate/deskgate.toml (as user deskgate): $check_config"
ok "deskgate check-config /etc/deskgate/deskgate.toml as user deskgate: $check_config"

# --- systemd-analyze verify -----------------------------------------------------------------
for unit in deskgate-lmtpd deskgate-milter deskgate-tick deskgate-fetch; do
    out=$(systemd-analyze verify /lib/systemd/system/$unit.service 2>&1) || {
        printf '%s\n' "$out"
        fail "systemd-analyze verify $unit.service exits non-zero"
    }
    echo "  systemd-analyze verify $unit.service: ${out:-(no output)}"
    if printf '%s\n' "$out" | grep -i 'deskgate' | grep -qiv '^$'; then
        fail "systemd-analyze verify $unit.service complains about our unit"
    fi
    ok "systemd-analyze verify $unit.service"
done

# --- the daemons, started as their units would start them -----------------------------------
unit_exec() {  # ExecStart= of an installed unit, split into words (no quoting in our units)
    sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1.service"
}
unit_value() {
    sed -n "s/^$2=//p" "/lib/systemd/system/$1.service" | tail -n1
}
check "both units run as User=deskgate Group=deskgate with NoNewPrivileges=yes" \
    [ "$(unit_value deskgate-lmtpd User)$(unit_value deskgate-lmtpd Group)$(unit_value deskgate-milter User)$(unit_value deskgate-milter Group)$(unit_value deskgate-lmtpd NoNewPrivileges)$(unit_value deskgate-milter NoNewPrivileges)" = "deskgatedeskgatedeskgatedeskgateyesyes" ]
# RuntimeDirectory=deskgate, RuntimeDirectoryMode=0750, owned by User/Group
install -d -o deskgate -g deskgate -m "$(unit_value deskgate-lmtpd RuntimeDirectoryMode)" /run/deskgate
start_unit() {
    local unit=$1 log=$work/$1.log
    read -r -a cmd <<<"$(unit_exec "$unit")"
    echo "  starting $unit: ${cmd[*]}"
    (umask "$(unit_value "$unit" UMask)" && exec setpriv --no-new-privs --reuid deskgate --regid deskgate --init-groups -- "${cmd[@]}") \
        >"$log" 2>&1 &
    pids+=("$!")
}
wait_socket() {
    local path=$1 pid=$2 log=$3
    for _ in $(seq 100); do
        [ -S "$path" ] && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$log"; fail "the daemon exited before $path appeared"; }
        sleep 0.1
    done
    cat "$log"
    fail "no socket $path after 10 s"
}
start_unit deskgate-lmtpd
wait_socket /run/deskgate/lmtp.sock "${pids[0]}" "$work/deskgate-lmtpd.log"
ok "deskgate-lmtpd listens on /run/deskgate/lmtp.sock"
start_unit deskgate-milter
wait_socket /run/deskgate/milter.sock "${pids[1]}" "$work/deskgate-milter.log"
ok "deskgate-milter listens on /run/deskgate/milter.sock"
for s in lmtp milter; do
    check "/run/deskgate/$s.sock is deskgate:deskgate 0660" [ "$(stat -c '%U:%G %a' /run/deskgate/$s.sock)" = "deskgate:deskgate 660" ]
done
check "/run/deskgate is deskgate:deskgate 0750" [ "$(stat -c '%U:%G %a' /run/deskgate)" = "deskgate:deskgate 750" ]

# As user postfix (through its membership in group deskgate): one mail over LMTP, one milter
# conversation.
# the system python: a user's (e.g. root's pyenv shims) is not reachable for user postfix
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
as_postfix=(setpriv --reuid postfix --regid postfix --init-groups)
getent passwd postfix >/dev/null || as_postfix=(setpriv --reuid deskgate --regid deskgate --init-groups)
lmtp_out=$(PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration" "${as_postfix[@]}" "$py" - <<'PY' 2>&1
import socket
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect("/run/deskgate/lmtp.sock")
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline().decode().rstrip("\r\n")
        if len(line) < 4 or line[3] != "-":
            return line
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
print("greeting:", reply())
print("LHLO:", cmd("LHLO package-test"))
print("MAIL:", cmd("MAIL FROM:<customer@example.org>"))
print("RCPT:", cmd("RCPT TO:<support@helpdesk.example.com>"))
print("DATA:", cmd("DATA"))
s.sendall(b"From: customer@example.org\r\nTo: support@helpdesk.example.com\r\nSubject: printer on fire\r\n"
          b"Message-ID: <package-test-1@example.org>\r\n\r\nPlease help.\r\n.\r\n")
print("after DATA:", reply())
print("QUIT:", cmd("QUIT"))
PY
) || { printf '%s\n' "$lmtp_out"; fail "LMTP conversation"; }
printf '%s\n' "$lmtp_out" | sed 's/^/  /'
printf '%s\n' "$lmtp_out" | grep -q '^after DATA: 250 2.0.0 ticket 10-1 ' \
    || { cat "$work/deskgate-lmtpd.log"; fail "a mail to support@helpdesk.example.com becomes ticket 10-1"; }
ok "LMTP as user ${as_postfix[2]}: a mail to support@helpdesk.example.com becomes ticket 10-1"
show=$(setpriv --reuid deskgate --regid deskgate --init-groups /usr/sbin/deskgate show 10-1 2>&1) || fail "deskgate show 10-1: $show"
printf '%s\n' "$show" | grep -q 'printer on fire' || fail "deskgate show 10-1 shows the stored mail: $show"
ok "deskgate show 10-1 (while deskgate-lmtpd runs) shows the mail"

milter_out=$(PYTHONPATH="$DESKGATE_SOURCE_DIR/tests/integration" "${as_postfix[@]}" "$py" - <<'PY' 2>&1
from milter_client import Session, final
m = Session("/run/deskgate/milter.sock", macros={b"C": {"{daemon_name}": "smtpd"}})
m.connect(); m.helo(); m.mail("customer@example.org")
print("known:", *final(m.rcpt("support@helpdesk.example.com")))
print("unknown:", *final(m.rcpt("nosuch@helpdesk.example.com")))
m.close()
PY
) || { printf '%s\n' "$milter_out"; cat "$work/deskgate-milter.log"; fail "milter conversation"; }
printf '%s\n' "$milter_out" | sed 's/^/  /'
printf '%s\n' "$milter_out" | grep -q '^known: continue' || fail "milter: the queue address passes"
printf '%s\n' "$milter_out" | grep -q '^unknown: reply 550 5.1.1' || fail "milter: an unknown helpdesk address gets 550 5.1.1"
ok "milter as user ${as_postfix[2]}: queue address passes, unknown helpdesk address 550 5.1.1"

# The outbox's sendmail under NoNewPrivileges: Postfix's postdrop is setgid postdrop, and with
# no_new_privs that bit is ignored - it works only through deskgate's membership in postdrop.
if [ -x /usr/sbin/postdrop ]; then
    if [ ! -e /etc/postfix/main.cf ]; then  # postdrop needs a main.cf (Postfix "No configuration")
        : >/etc/postfix/main.cf
        created_main_cf=1
    fi
    msg=$'From: deskgate@localhost\nTo: nobody@localhost\nSubject: deskgate package test\n\ntest\n'
    if printf '%s' "$msg" | timeout 20 setpriv --no-new-privs --reuid deskgate --regid deskgate --init-groups \
        /usr/sbin/sendmail -i -f deskgate@localhost -- nobody@localhost >"$work/sendmail.log" 2>&1; then
        ok "sendmail as deskgate with no_new_privs (postdrop via group membership) queues mail"
    else
        cat "$work/sendmail.log"
        fail "sendmail as deskgate with no_new_privs and --init-groups"
    fi
    if printf '%s' "$msg" | timeout 5 setpriv --no-new-privs --reuid deskgate --regid deskgate --groups deskgate \
        /usr/sbin/sendmail -i -f deskgate@localhost -- nobody@localhost >"$work/sendmail-nogroup.log" 2>&1; then
        echo "  note: sendmail worked even without group postdrop"
    else
        echo "  (control) without group postdrop, no_new_privs sendmail fails: $(head -n1 "$work/sendmail-nogroup.log")"
    fi
fi

# --- README "Install on a Postfix server", steps 5 and 6, through a real Postfix -----------
# A Postfix instance with Debian's master.cf exactly as shipped (smtpd and the lmtp client
# chrooted), listening on 127.0.0.1:25 like the server the README assumes. The admin's steps:
# deskgate postfix-config > script; sh script; swaks; deskgate tickets.
if ! command -v postfix >/dev/null || ! command -v swaks >/dev/null; then
    echo "  skipped the Postfix steps: postfix or swaks is not installed"
elif (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null; then
    echo "  skipped the Postfix steps: 127.0.0.1:25 is taken by another MTA on this machine"
else
    pf=$work/postfix
    mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
    chown postfix:postfix "$pf/data"
    cp /etc/postfix/master.cf "$pf/etc/master.cf"
    cat >"$pf/etc/main.cf" <<MAINCF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
myhostname = mx.test.example
mydomain = test.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:9
disable_dns_lookups = yes
smtp_dns_support_level = disabled
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
alias_maps =
alias_database =
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
MAINCF
    postfix_running=1
    postfix -c "$pf/etc" start >/dev/null 2>&1 || { cat "$pf/maillog" 2>/dev/null; fail "postfix -c $pf/etc start"; }
    check "Debian's master.cf runs smtpd and lmtp chrooted" \
        [ "$(postconf -c "$pf/etc" -Fh smtp/inet/chroot lmtp/unix/chroot | tr -d '\n')" = "yy" ]
    # step 5
    /usr/sbin/deskgate postfix-config --postfix-dir "$pf/etc" >"$work/deskgate-postfix.sh" \
        || fail "deskgate postfix-config"
    sed 's/^/  | /' "$work/deskgate-postfix.sh"
    check "postfix-config un-chroots smtpd, which must reach /run/deskgate/milter.sock" \
        grep -q "smtp/inet/chroot=n" "$work/deskgate-postfix.sh"
    check "postfix-config un-chroots the lmtp client, which must reach /run/deskgate/lmtp.sock" \
        grep -q "lmtp/unix/chroot=n" "$work/deskgate-postfix.sh"
    sh "$work/deskgate-postfix.sh" >"$work/deskgate-postfix.out" 2>&1 \
        || { cat "$work/deskgate-postfix.out"; fail "sh deskgate-postfix.sh"; }
    ok "the printed Postfix settings ran (ending with postfix reload)"
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && break; sleep 0.2; done
    # step 6
    swaks --server 127.0.0.1 --port 25 --from alice@customer.example --to support@helpdesk.example.com \
        --header "Subject: Printer on fire" --body "Help!" >"$work/swaks.log" 2>&1 \
        || { cat "$work/swaks.log" "$pf/maillog"; fail "swaks: Postfix accepts the mail"; }
    ok "swaks: Postfix (with deskgate-milter) accepted the mail for support@helpdesk.example.com"
    found=""
    for _ in $(seq 100); do
        if /usr/sbin/deskgate tickets | grep -q 'Printer on fire'; then found=1; break; fi
        sleep 0.2
    done
    [ -n "$found" ] || { cat "$pf/maillog" "$work/deskgate-lmtpd.log"; fail "deskgate tickets shows the mail as a ticket"; }
    /usr/sbin/deskgate tickets | sed 's/^/  /'
    ok "deskgate tickets shows the mail as a ticket"
    check "Postfix delivered it over lmtp:unix:/run/deskgate/lmtp.sock" \
        grep -q 'relay=.*/run/deskgate/lmtp.sock.*status=sent (250 2.0.0 ticket 10-2 created)' "$pf/maillog"
    check "deskgate-lmtpd logged the decision with Postfix's queue id" \
        grep -Eq '[0-9A-F]{6,}: to=<support@helpdesk.example.com>, .*ticket=10-2, verdict=new-ticket' "$work/deskgate-lmtpd.log"
    postfix -c "$pf/etc" stop >/dev/null 2>&1
    postfix_running=""
fi

# --- stop (SIGTERM, as systemctl stop does) -------------------------------------------------
for i in 0 1; do
    kill -TERM "${pids[$i]}"
    rc=0
    wait "${pids[$i]}" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$work"/*.log; fail "daemon $i exits 0 on SIGTERM (got $rc)"; }
done
pids=()
ok "both daemons exit 0 on SIGTERM"

# --- remove keeps the data ------------------------------------------------------------------
dpkg -r deskgate >/dev/null 2>&1 || fail "dpkg -r deskgate"
check "dpkg -r: binaries gone" [ ! -e /usr/sbin/deskgate-lmtpd ]
check "dpkg -r: ticket store kept" [ -d /var/lib/deskgate/store ]
check "dpkg -r: user deskgate kept" bash -c "getent passwd deskgate >/dev/null"
check "dpkg -r: secret kept" [ -f /etc/deskgate/secret ]
check "dpkg -r: conffile kept" [ -f /etc/deskgate/deskgate.toml ]

dpkg -i "$deb" >/dev/null 2>&1 || fail "reinstall after dpkg -r"
check "reinstall: the secret is not regenerated" [ "$(sha256sum /etc/deskgate/secret | cut -d' ' -f1)" = "$secret_sum" ]
show=$(setpriv --reuid deskgate --regid deskgate --init-groups /usr/sbin/deskgate show 10-1 2>&1) || fail "reinstall: deskgate show 10-1: $show"
ok "reinstall: ticket 10-1 is still there"

# --- purge removes everything ---------------------------------------------------------------
purge_out=$(dpkg --purge deskgate 2>&1) || { printf '%s\n' "$purge_out"; fail "dpkg --purge deskgate"; }
[ -z "$purge_out" ] || printf '%s\n' "$purge_out" | sed 's/^/  /'
check "purge: /var/lib/deskgate gone" [ ! -e /var/lib/deskgate ]
check "purge: /etc/deskgate gone (config and secret)" [ ! -e /etc/deskgate ]
check "purge: user deskgate gone" bash -c '! getent passwd deskgate >/dev/null'
check "purge: group deskgate gone" bash -c '! getent group deskgate >/dev/null'
check "purge: /run/deskgate gone" [ ! -e /run/deskgate ]
check "purge: no unit symlinks left" bash -c '! ls /etc/systemd/system/*/deskgate-* >/dev/null 2>&1'
check "purge: postfix's groups as before" [ "$(id -nG postfix 2>/dev/null || true)" = "$postfix_groups_before" ]
echo "package_install: all checks passed in $((SECONDS - started)) s"
