#!/usr/bin/env bash
# The package's units under a real systemd as PID 1 (issue 16): a minimal Debian 12 booted with
# systemd-nspawn (--boot, --private-network: only loopback inside), the .deb installed in it with
# dpkg -i (its postinst starts the units through the running systemd), Postfix wired to deskgate
# as the README says (`deskgate postfix-config | sh`), then:
#   - deskgate-lmtpd and deskgate-milter reach active (running) as Type=notify units
#     (NotifyAccess=main: only READY=1 from the daemon itself makes them active), the timers run,
#     deskgate-tick.service and deskgate-fetch.service succeed under their sandbox;
#   - mail through Postfix, by sendmail(1) and by SMTP to 127.0.0.1:25, becomes tickets
#     (`deskgate tickets`), and the milter refuses an unknown helpdesk address with 550 5.1.1;
#   - `systemctl reload` rereads /etc/deskgate/deskgate.toml (a new queue: its address passes the
#     milter and opens ticket 20-1; "config reloaded" in the journal; same MainPID);
#   - kill -9 of either daemon's main process: systemd restarts it (new MainPID, active), and
#     the mail sent around the kill all ends up as tickets, each once (Postfix retries);
#   - a config with a syntax error: `systemctl reload` fails, the old daemon keeps running (same
#     MainPID, active, still serving) and the journal names file:line:column (also when the
#     daemon itself gets SIGHUP, bypassing ExecReload's check-config);
#   - `systemd-analyze security` rates both daemons' units at 2.0 or better.
#
# The Debian root (debootstrap --variant=minbase with systemd, Postfix and the package's
# runtime dependencies) is built once, with network, into $DESKGATE_NSPAWN_ROOT (default
# /var/cache/deskgate-test/bookworm-systemd; a few minutes) and reused: each run boots an
# overlay of it (upper and work dirs in a temp dir), so runs never change it and need no
# network. Needs root, systemd-nspawn (systemd-container) and debootstrap (scripts/install-
# deps.sh installs both), and the .deb in $DESKGATE_PACKAGE (scripts/test.sh builds it).
# Exit 77 (skipped, with a "SKIP: why" line) where containers cannot run here.
set -euo pipefail
: "${DESKGATE_SOURCE_DIR:?}"

started=$SECONDS
skip() {
    echo "SKIP: $*"
    exit 77
}
ok() { echo "ok   $*"; }
fail() {
    echo "FAIL $*" >&2
    exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, overlay mounts, systemd-nspawn)"
deb=${DESKGATE_PACKAGE:-}
[ -n "$deb" ] || skip "DESKGATE_PACKAGE is not set: the .deb to install (scripts/test.sh builds it with the package preset and sets it)"
[ -f "$deb" ] || fail "no package at DESKGATE_PACKAGE='$deb'"
deb=$(readlink -f "$deb")
for tool in systemd-nspawn nsenter; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh installs systemd-container)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || skip "this kernel has no overlayfs (each run boots an overlay of the cached root)"

root_cache=${DESKGATE_NSPAWN_ROOT:-/var/cache/deskgate-test/bookworm-systemd}
cache_dir=$(dirname "$root_cache")
mkdir -p "$cache_dir"

# --- the cached root ------------------------------------------------------------------------
# What the root must hold besides minbase+systemd: Postfix, and the package's Depends (the
# first of each set of alternatives, without versions) so that dpkg -i needs no network.
deb_depends() {
    dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' | sed '/^$/d'
}
mapfile -t wanted < <(echo postfix; deb_depends)
missing_in() {  # the wanted packages not installed in root $1
    local p
    for p in "${wanted[@]}"; do
        dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}
# The Debian mirror apt uses here (first bookworm entry), else deb.debian.org.
debian_mirror() {
    local uri=""
    if [ -n "${DESKGATE_DEBIAN_MIRROR:-}" ]; then echo "$DESKGATE_DEBIAN_MIRROR"; return; fi
    shopt -s nullglob
    for f in /etc/apt/sources.list.d/*.sources; do
        uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
            { u = ""; s = 0
              for (i = 1; i <= NF; i++) {
                if ($i ~ /^URIs:/) { u = $i; sub(/^URIs:[ \t]*/, "", u); sub(/[ \t].*/, "", u) }
                if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) s = 1 }
              if (s && u != "" && u !~ /security/) { print u; exit } }' "$f")
        [ -z "$uri" ] || break
    done
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
            awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                  if ($(i + 1) == "bookworm") { print $i; exit } }')
    fi
    shopt -u nullglob
    echo "${uri:-http://deb.debian.org/debian}"
}
mirror_reachable() {  # HEAD dists/bookworm/Release over plain HTTP/1.1 (https: a TCP connect only)
    local uri=$1 scheme host path port
    scheme=${uri%%://*}
    host=${uri#*://}
    path=/${host#*/}
    host=${host%%/*}
    [ "$path" != "/$host" ] || path=/
    port=80
    [ "$scheme" != https ] || port=443
    if [ "$scheme" = https ]; then
        timeout 15 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
        return
    fi
    timeout 15 bash -c "exec 3<>/dev/tcp/$host/$port &&
        printf 'HEAD %s/dists/bookworm/Release HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' '${path%/}' '$host' >&3 &&
        head -n1 <&3" 2>/dev/null | grep -Eq '^HTTP/1\.[01] (200|30[1278])'
}
# nspawn (not booted) in root $1 with the host's network, running $2 with sh
in_root() {
    systemd-nspawn -q -D "$1" --register=no --keep-unit --console=pipe \
        -E DEBIAN_FRONTEND=noninteractive -E LANG=C.UTF-8 /bin/sh -ec "$2" </dev/null
}
install_into() {  # root, packages...: apt-get install (network), then drop what a run never needs
    local r=$1
    shift
    in_root "$r" "
        echo 'postfix postfix/main_mailer_type select Local only' | debconf-set-selections
        echo 'postfix postfix/mailname string deskgate-test.example' | debconf-set-selections
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $*
        rm -f /usr/sbin/policy-rc.d
        apt-get clean
        rm -rf /var/lib/apt/lists/*"
}

# /run is no tmpfs on some hosts (a container's): nspawn keeps its state in /run/systemd/nspawn,
# which must then be a tmpfs of its own.
mounted_run_tmpfs=""
run_fstype=$(findmnt -n -o FSTYPE --target /run/systemd 2>/dev/null || true)
nspawn_state_tmpfs() {
    if [ "$run_fstype" != tmpfs ] && ! mountpoint -q /run/systemd/nspawn; then
        mkdir -p /run/systemd/nspawn
        mount -t tmpfs -o mode=0755 tmpfs /run/systemd/nspawn || skip "cannot mount a tmpfs on /run/systemd/nspawn"
        mounted_run_tmpfs=1
    fi
}

work=""
nspawn_pid=""
pid1=""
overlay_mounted=""
cache_tmp=""
cleanup() {
    local rc=$?
    set +e
    if [ -n "$pid1" ] && [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && kill -0 "$pid1" 2>/dev/null; then
        echo "--- the container's journal (last 120 lines) ---" >&2
        timeout 20 nsenter -t "$pid1" -a journalctl -n 120 --no-pager -o short-monotonic >&2
        echo "--- systemctl --failed ---" >&2
        timeout 10 nsenter -t "$pid1" -a systemctl --failed --no-pager >&2
    fi
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        [ -z "$pid1" ] || timeout 10 nsenter -t "$pid1" -a systemctl poweroff --no-block >/dev/null 2>&1
        for _ in $(seq 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$nspawn_pid" 2>/dev/null; then  # nspawn turns SIGTERM into a poweroff
            kill -TERM "$nspawn_pid"
            for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$nspawn_pid" 2>/dev/null
            [ -z "$pid1" ] || kill -KILL "$pid1" 2>/dev/null
        fi
        wait "$nspawn_pid" 2>/dev/null
    fi
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$work/console.log" ]; then
        echo "--- the container's console (last 40 lines) ---" >&2
        tail -n 40 "$work/console.log" >&2
    fi
    if [ -n "$overlay_mounted" ]; then
        umount "$work/merged" 2>/dev/null || { sleep 1; umount "$work/merged"; } || umount -l "$work/merged"
    fi
    [ -z "$mounted_run_tmpfs" ] || umount /run/systemd/nspawn 2>/dev/null || umount -l /run/systemd/nspawn
    if [ -n "$work" ]; then
        if mountpoint -q "$work/merged" 2>/dev/null; then
            echo "cleanup: $work/merged is still mounted, left in place" >&2
        else
            rm -rf "$work"
        fi
    fi
    [ -z "$cache_tmp" ] || rm -rf "$cache_tmp"
    [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || echo "systemd_units: FAILED (exit $rc) after $((SECONDS - started)) s" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One builder at a time; a run holds the lock shared while it uses the root as a lower layer.
exec 9>"$cache_dir/.lock"
timeout 600 flock -x 9 || fail "waited 10 min for $cache_dir/.lock"
rm -rf "$cache_dir"/.build.* 2>/dev/null || true
nspawn_state_tmpfs
if [ ! -d "$root_cache" ]; then
    command -v debootstrap >/dev/null || skip "no cached root at $root_cache and debootstrap is not installed (scripts/install-deps.sh installs it)"
    mirror=$(debian_mirror)
    mirror_reachable "$mirror" || skip "no cached root at $root_cache and the Debian mirror $mirror is out of reach (no network to debootstrap one)"
    echo "building the cached root $root_cache (once; debootstrap from $mirror, then ${wanted[*]})"
    t0=$SECONDS
    cache_tmp=$(mktemp -d "$cache_dir/.build.XXXXXX")
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$cache_tmp/root" "$mirror" \
        >"$cache_tmp/debootstrap.log" 2>&1 || { tail -n 30 "$cache_tmp/debootstrap.log"; fail "debootstrap into $cache_tmp/root"; }
    install_into "$cache_tmp/root" "${wanted[@]}" >"$cache_tmp/apt.log" 2>&1 ||
        { tail -n 30 "$cache_tmp/apt.log"; fail "apt-get install ${wanted[*]} in the new root"; }
    printf 'deskgate test root: debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm (%s), %s\n' \
        "$mirror" "$(date -u +%FT%TZ)" >"$cache_tmp/root/.deskgate-test-root"
    mv -T "$cache_tmp/root" "$root_cache"
    rm -rf "$cache_tmp"
    cache_tmp=""
    ok "cached root built in $((SECONDS - t0)) s"
else
    read -r -a lacking <<<"$(missing_in "$root_cache" | tr '\n' ' ')"
    if [ "${#lacking[@]}" -gt 0 ]; then
        # the package now needs more than the root has: a copy with them replaces the root
        mirror=$(debian_mirror)
        mirror_reachable "$mirror" || skip "the cached root lacks ${lacking[*]} (the package's dependencies) and $mirror is out of reach"
        echo "adding ${lacking[*]} to the cached root $root_cache"
        cache_tmp=$(mktemp -d "$cache_dir/.build.XXXXXX")
        cp -a "$root_cache" "$cache_tmp/root"
        install_into "$cache_tmp/root" "${lacking[@]}" >"$cache_tmp/apt.log" 2>&1 ||
            { tail -n 30 "$cache_tmp/apt.log"; fail "apt-get install ${lacking[*]} in a copy of the root"; }
        mv -T "$root_cache" "$cache_tmp/old"
        mv -T "$cache_tmp/root" "$root_cache"
        rm -rf "$cache_tmp"
        cache_tmp=""
    fi
fi
still_missing=$(missing_in "$root_cache" | tr '\n' ' ')
[ -z "$still_missing" ] || fail "the cached root $root_cache lacks: $still_missing"
flock -s 9  # from here on only shared: the root is a lower layer, nobody rebuilds it under us
echo "root: $root_cache ($(cat "$root_cache/.deskgate-test-root" 2>/dev/null || echo 'no stamp'))"

# --- boot an overlay of it ------------------------------------------------------------------
work=$(mktemp -d /var/tmp/deskgate-nspawn-XXXXXX)
mkdir "$work/upper" "$work/work" "$work/merged"
mount -t overlay overlay -o "lowerdir=$root_cache,upperdir=$work/upper,workdir=$work/work" "$work/merged" ||
    skip "cannot mount an overlay of $root_cache (lower) in $work"
overlay_mounted=1
cp "$deb" "$work/merged/root/deskgate.deb"
echo deskgate-test >"$work/merged/etc/hostname"  # debootstrap copied this machine's
boot_t0=$SECONDS
systemd-nspawn -q -D "$work/merged" --register=no --keep-unit --boot --console=pipe --private-network \
    --hostname=deskgate-test </dev/null >"$work/console.log" 2>&1 &
nspawn_pid=$!

cannot_run_containers() {  # nspawn has ended: did the environment refuse it?
    grep -Eiq 'operation not permitted|permission denied|not supported|no such device|read-only file system|cgroup|namespace' \
        "$work/console.log"
}
for _ in $(seq 300); do
    if ! kill -0 "$nspawn_pid" 2>/dev/null; then
        if cannot_run_containers; then
            cat "$work/console.log"
            skip "systemd-nspawn cannot start a container here: $(grep -Eim1 'operation not permitted|permission denied|not supported|no such device|read-only|cgroup|namespace' "$work/console.log")"
        fi
        cat "$work/console.log"
        fail "systemd-nspawn exited before the container's systemd started"
    fi
    for c in $(pgrep -P "$nspawn_pid" || true); do
        [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] && pid1=$c
    done
    [ -z "$pid1" ] || break
    sleep 0.1
done
[ -n "$pid1" ] || fail "no systemd inside the container after 30 s"

# everything in the container: all its namespaces, a clean environment
ct() {
    nsenter -t "$pid1" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= \
        SYSTEMD_COLORS=0 "$@"
}
# systemctl answers once systemd has its private socket; then --wait until start-up is done
state=""
for _ in $(seq 300); do
    kill -0 "$nspawn_pid" 2>/dev/null || break
    state=$(timeout 10 nsenter -t "$pid1" -a systemctl is-system-running 2>/dev/null) || true
    [ -z "$state" ] || break
    sleep 0.1
done
[ -z "$state" ] || state=$(timeout 120 nsenter -t "$pid1" -a systemctl is-system-running --wait 2>/dev/null) || true
if ! kill -0 "$nspawn_pid" 2>/dev/null; then
    cannot_run_containers && { cat "$work/console.log"; skip "the container stopped while booting (see above)"; }
    fail "the container stopped while booting"
fi
failed_units() { ct systemctl --failed --no-legend --plain | awk '{ print $1 }' | sort | tr '\n' ' '; }
boot_failed=""
case "$state" in
    running) ok "the container's systemd (PID $pid1 here) is up after $((SECONDS - boot_t0)) s: $state" ;;
    degraded)
        # before deskgate is installed: units this environment cannot run in a container. They
        # are reported and tolerated; any unit failing later (deskgate's above all) is not.
        ct systemctl --failed --no-pager
        boot_failed=$(failed_units)
        echo "  note: the container booted degraded: $boot_failed(none of them deskgate's; tolerated)"
        ok "the container's systemd (PID $pid1 here) is up after $((SECONDS - boot_t0)) s: $state" ;;
    *) fail "systemctl is-system-running --wait: '${state:-no answer in 120 s}'" ;;
esac
[ "$(ct cat /proc/1/comm)" = systemd ] || fail "PID 1 in the container is systemd"
ct test -d /run/systemd/system || fail "/run/systemd/system exists in the container (postinst's test for systemd)"
ct systemctl is-active --quiet postfix.service || fail "postfix.service is active in the container"
ok "systemd is PID 1 in the container; postfix.service is active"

# --- install the package (postinst: user, secret, memberships, enable + start the units) ----
install_out=$(ct timeout 120 dpkg -i /root/deskgate.deb 2>&1) || { printf '%s\n' "$install_out"; fail "dpkg -i deskgate.deb in the container"; }
printf '%s\n' "$install_out" | sed 's/^/  /'
ok "dpkg -i $(basename "$deb") in the container"

show() {  # show UNIT PROPS: "Prop=value ..." on one line, sorted by name
    ct systemctl show -p "$2" "$1" | sort | tr '\n' ' ' | sed 's/ $//'
}
main_pid() { ct systemctl show -p MainPID --value "$1"; }
wait_active() {  # wait_active UNIT [NOT_PID]: active (running) with a MainPID other than NOT_PID
    local unit=$1 not=${2:-} pid
    for _ in $(seq 150); do
        if [ "$(ct systemctl show -p ActiveState,SubState --value "$unit" | tr '\n' ' ')" = "active running " ]; then
            pid=$(main_pid "$unit")
            [ "$pid" = 0 ] || [ "$pid" = "$not" ] || return 0
        fi
        sleep 0.2
    done
    ct systemctl status --no-pager "$unit" || true
    fail "$unit is not active (running)${not:+ with a MainPID other than $not} after 30 s"
}

for unit in deskgate-lmtpd deskgate-milter; do
    wait_active "$unit.service"
    props=$(show "$unit.service" Type,NotifyAccess,ActiveState,SubState,Result,NRestarts)
    echo "  $unit.service: $props MainPID=$(main_pid "$unit.service")"
    [ "$props" = "ActiveState=active NRestarts=0 NotifyAccess=main Result=success SubState=running Type=notify" ] ||
        fail "$unit.service: Type=notify NotifyAccess=main active running, never restarted (got: $props)"
    # for Type=notify, systemd logs "Started" only when READY=1 arrived
    ct journalctl -u "$unit.service" -o cat --no-pager | grep -q '^Started deskgate' ||
        fail "the journal of $unit.service has systemd's 'Started deskgate ...' (READY=1 received)"
    ok "$unit.service started by postinst, Type=notify: active (running) after READY=1"
done
ct systemctl is-enabled --quiet deskgate-lmtpd.service deskgate-milter.service deskgate-tick.timer deskgate-fetch.timer ||
    fail "the units and timers are enabled"
for t in deskgate-tick.timer deskgate-fetch.timer; do
    [ "$(ct systemctl is-active "$t")" = active ] || fail "$t is active"
done
ok "deskgate-tick.timer and deskgate-fetch.timer enabled and active"
for s in deskgate-tick deskgate-fetch; do
    ct timeout 60 systemctl start "$s.service" || { ct journalctl -u "$s.service" --no-pager | tail -n 20; fail "systemctl start $s.service"; }
    [ "$(ct systemctl show -p Result --value "$s.service")" = success ] || fail "$s.service: Result=success"
done
ok "deskgate-tick.service and deskgate-fetch.service run to success under their sandbox"
ct sh -c 'ls -l /run/deskgate/' | sed 's/^/  /'
for s in lmtp milter; do
    [ "$(ct stat -c '%U:%G %a' /run/deskgate/$s.sock)" = "deskgate:deskgate 660" ] || fail "/run/deskgate/$s.sock is deskgate:deskgate 0660"
done
[ "$(ct stat -c '%U:%G %a' /run/deskgate)" = "deskgate:deskgate 750" ] || fail "/run/deskgate (RuntimeDirectory) is deskgate:deskgate 0750"
ok "RuntimeDirectory /run/deskgate 0750 with both sockets 0660"

# --- Postfix, wired as the README says --------------------------------------------------------
# retries within seconds (the kill -9 checks below rely on Postfix retrying deferred mail)
ct postconf -e myhostname=mx.deskgate-test.example mydestination=localhost minimal_backoff_time=2s \
    maximal_backoff_time=4s queue_run_delay=2s smtp_dns_support_level=disabled
ct sh -c 'deskgate postfix-config >/root/deskgate-postfix.sh'
sed 's/^/  | /' "$work/merged/root/deskgate-postfix.sh"
pf_out=$(ct timeout 60 sh /root/deskgate-postfix.sh 2>&1) || { printf '%s\n' "$pf_out"; fail "sh deskgate-postfix.sh"; }
ok "deskgate postfix-config's lines ran in the container (ending with postfix reload)"

cat >"$work/merged/root/smtp.sh" <<'SMTP'
#!/bin/bash
# smtp.sh FROM TO SUBJECT: one mail over SMTP to 127.0.0.1:25, every line printed; exit 0 when
# accepted, 3 when RCPT was refused, 1 otherwise.
set -u
from=$1 to=$2 subject=$3 last=""
exec 3<>/dev/tcp/127.0.0.1/25 || exit 1
reply() {
    local line
    while IFS= read -r -t 30 line <&3; do
        line=${line%$'\r'}
        echo "S: $line"
        last=$line
        [ "${line:3:1}" = "-" ] || return 0
    done
    echo "S: (no answer)"
    return 1
}
send() { echo "C: $1"; printf '%s\r\n' "$1" >&3; reply; }
reply && [[ $last == 220* ]] || exit 1
send "EHLO client.test.example" && [[ $last == 250* ]] || exit 1
send "MAIL FROM:<$from>" && [[ $last == 250* ]] || exit 1
if ! send "RCPT TO:<$to>" || [[ $last != 250* ]]; then send QUIT; exit 3; fi
send DATA && [[ $last == 354* ]] || exit 1
id="$(date +%s%N).$$@client.test.example"
printf 'From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n\r\nsent by systemd_units.sh\r\n.\r\n' \
    "$from" "$to" "$subject" "$id" "$(date -R)" >&3
reply && [[ $last == 250* ]] || exit 1
send QUIT
exit 0
SMTP
chmod 755 "$work/merged/root/smtp.sh"
smtp() {  # smtp TO SUBJECT: accepted by Postfix (milter included)
    local out
    out=$(ct timeout 60 /root/smtp.sh alice@customer.example "$1" "$2" 2>&1) || { printf '%s\n' "$out"; fail "SMTP to 127.0.0.1:25: Postfix accepts '$2' for $1"; }
}
smtp_refused() {  # smtp_refused TO EXPECTED: RCPT refused with EXPECTED
    local out rc=0
    out=$(ct timeout 60 /root/smtp.sh alice@customer.example "$1" "refused" 2>&1) || rc=$?
    if [ "$rc" -ne 3 ] || ! printf '%s\n' "$out" | grep -q "^S: $2"; then
        printf '%s\n' "$out"
        fail "SMTP: RCPT TO:<$1> refused with $2"
    fi
}
sendmail_mail() {  # sendmail_mail TO SUBJECT: sendmail(1) -> pickup -> cleanup (non_smtpd_milters)
    printf 'From: <bob@customer.example>\nTo: <%s>\nSubject: %s\nMessage-ID: <%s.%s@customer.example>\n\nsent with sendmail(1) by systemd_units.sh\n' \
        "$1" "$2" "$(date +%s%N)" "$RANDOM" |
        ct timeout 30 sendmail -i -f bob@customer.example -- "$1" || fail "sendmail(1) in the container takes '$2'"
}
# --store: deskgate tickets reads the store even while the config on disk is broken
tickets() { ct deskgate tickets --store /var/lib/deskgate/store; }
wait_tickets() {  # wait_tickets SECONDS SUBJECT...: each subject in exactly one ticket
    local limit=$1 deadline=$((SECONDS + $1)) s all
    shift
    while :; do
        all=1
        local list
        list=$(tickets 2>/dev/null || true)
        for s in "$@"; do
            [ "$(printf '%s\n' "$list" | grep -c -- "$s\$")" -eq 1 ] || all=""
        done
        [ -z "$all" ] || return 0
        if [ "$SECONDS" -ge "$deadline" ]; then
            printf '%s\n' "$list" | sed 's/^/  /'
            ct mailq || true
            fail "within $limit s each of these became exactly one ticket: $*"
        fi
        [ "$((SECONDS % 5))" -ne 0 ] || ct postqueue -f >/dev/null 2>&1 || true
        sleep 0.5
    done
}

smtp support@helpdesk.example.com "nspawn smtp 1"
sendmail_mail support@helpdesk.example.com "nspawn sendmail 1"
wait_tickets 60 "nspawn smtp 1" "nspawn sendmail 1"
tickets | sed 's/^/  /'
ok "SMTP to 127.0.0.1:25 and sendmail(1): both mails became tickets through Postfix, milter and LMTP"
ct journalctl -u deskgate-lmtpd.service -o cat --no-pager | grep -q 'to=<support@helpdesk.example.com>.*verdict=new-ticket' ||
    fail "deskgate-lmtpd's decisions are in its journal"
ok "deskgate-lmtpd's decision lines are in journalctl -u deskgate-lmtpd"
if ct journalctl -u deskgate-lmtpd.service -o cat --no-pager | grep 'verdict=new-ticket' | grep -q '^deskgate-lmtpd\['; then
    fail "lines in the journal carry no second program[pid] prefix (the journal adds its own)"
fi
ok "journal lines are not prefixed twice with the program name and pid"
smtp_refused nosuch@helpdesk.example.com "550 5.1.1"
smtp_refused sales@helpdesk.example.com "550 5.1.1"
ok "the milter refuses unknown helpdesk addresses (nosuch@, sales@) with 550 5.1.1"

# --- systemctl reload: a new queue ----------------------------------------------------------
reloaded_count() { ct journalctl -u "$1.service" -o cat --no-pager | grep -c 'config reloaded from /etc/deskgate/deskgate.toml' || true; }
lmtpd_pid=$(main_pid deskgate-lmtpd.service)
milter_pid=$(main_pid deskgate-milter.service)
before_l=$(reloaded_count deskgate-lmtpd)
before_m=$(reloaded_count deskgate-milter)
cp "$work/merged/etc/deskgate/deskgate.toml" "$work/deskgate.toml.orig"
cat >>"$work/merged/etc/deskgate/deskgate.toml" <<'TOML'

[[queues]]
number = 20
name = "Sales"
address = "sales@helpdesk.example.com"
TOML
ct timeout 60 systemctl reload deskgate-lmtpd.service deskgate-milter.service || fail "systemctl reload deskgate-lmtpd deskgate-milter"
for _ in $(seq 50); do
    [ "$(reloaded_count deskgate-lmtpd)" -gt "$before_l" ] && [ "$(reloaded_count deskgate-milter)" -gt "$before_m" ] && break
    sleep 0.2
done
[ "$(reloaded_count deskgate-lmtpd)" -gt "$before_l" ] || fail "deskgate-lmtpd logs 'config reloaded from /etc/deskgate/deskgate.toml' after systemctl reload"
[ "$(reloaded_count deskgate-milter)" -gt "$before_m" ] || fail "deskgate-milter logs 'config reloaded from /etc/deskgate/deskgate.toml' after systemctl reload"
if [ "$(main_pid deskgate-lmtpd.service)" != "$lmtpd_pid" ] || [ "$(main_pid deskgate-milter.service)" != "$milter_pid" ]; then
    fail "systemctl reload keeps both MainPIDs"
fi
smtp sales@helpdesk.example.com "nspawn sales 1"
wait_tickets 60 "nspawn sales 1"
tickets | grep -q '^20-1 ' || { tickets; fail "the mail to the new queue is ticket 20-1"; }
ok "systemctl reload: both daemons reread the config (journal, same MainPID); sales@ passes the milter and opens ticket 20-1"

# --- kill -9: systemd restarts, nothing is lost --------------------------------------------
for unit in deskgate-lmtpd deskgate-milter; do
    old=$(main_pid "$unit.service")
    restarts=$(ct systemctl show -p NRestarts --value "$unit.service")
    mark=$(ct journalctl -q -n1 -o export | sed -n 's/^__CURSOR=//p')
    sendmail_mail support@helpdesk.example.com "nspawn $unit before kill"
    ct bash -c "kill -9 $old"  # the shell's kill: minbase has no /bin/kill (procps)
    sendmail_mail support@helpdesk.example.com "nspawn $unit during restart"
    wait_active "$unit.service" "$old"
    new=$(main_pid "$unit.service")
    [ "$(ct systemctl show -p NRestarts --value "$unit.service")" -gt "$restarts" ] || fail "$unit.service: NRestarts went up"
    smtp support@helpdesk.example.com "nspawn $unit after restart"
    ct postqueue -f >/dev/null 2>&1 || true
    ct postkick public pickup W >/dev/null 2>&1 || true
    wait_tickets 90 "nspawn $unit before kill" "nspawn $unit during restart" "nspawn $unit after restart"
    # what Postfix made of the gap (depends on timing: deferred and retried, or nothing to see)
    ct journalctl -q --after-cursor="$mark" -o cat -t postfix/lmtp -t postfix/cleanup -t postfix/pickup -t postfix/smtpd |
        grep -Ei 'deferred|milter|warning' | sed 's/^/  postfix: /' || echo "  postfix: no deferral or milter warning in the gap"
    ok "kill -9 $unit (MainPID $old): restarted by systemd as $new, active; the mails before, during and after are tickets, each once"
done
ct journalctl -u deskgate-lmtpd.service -o cat --no-pager | grep -E 'Main process exited|Scheduled restart' | sed 's/^/  /'

# --- a broken config: reload refused, the old daemon serves on -----------------------------
good_lines=$(wc -l <"$work/merged/etc/deskgate/deskgate.toml")
bad_line=$((good_lines + 1))
printf 'broken = "no closing quote\n' >>"$work/merged/etc/deskgate/deskgate.toml"
for unit in deskgate-lmtpd deskgate-milter; do
    old=$(main_pid "$unit.service")
    if ct timeout 60 systemctl reload "$unit.service" 2>"$work/reload.err"; then
        fail "systemctl reload $unit with a syntax error in the config fails"
    fi
    sed 's/^/  /' "$work/reload.err"
    [ "$(main_pid "$unit.service")" = "$old" ] || fail "$unit.service keeps MainPID $old after the failed reload"
    [ "$(ct systemctl show -p ActiveState,SubState --value "$unit.service" | tr '\n' ' ')" = "active running " ] ||
        fail "$unit.service is still active (running) after the failed reload"
    journal=$(ct journalctl -u "$unit.service" -o cat --no-pager)
    printf '%s\n' "$journal" | grep -q "/etc/deskgate/deskgate.toml:$bad_line:[0-9]" ||
        { printf '%s\n' "$journal" | tail -n 10; fail "journalctl -u $unit names /etc/deskgate/deskgate.toml:$bad_line:COLUMN"; }
    printf '%s\n' "$journal" | grep "/etc/deskgate/deskgate.toml:$bad_line:[0-9]" | tail -n1 | sed 's/^/  journal: /'
    ok "$unit: systemctl reload with a syntax error fails, MainPID $old still active, the journal names file:line:column"
    # SIGHUP straight to the daemon (no ExecReload check-config in between): it refuses itself
    ct systemctl kill -s HUP --kill-whom=main "$unit.service"
    for _ in $(seq 50); do
        ct journalctl -u "$unit.service" -o cat --no-pager | grep -q 'config reload failed' && break
        sleep 0.2
    done
    journal=$(ct journalctl -u "$unit.service" -o cat --no-pager)
    printf '%s\n' "$journal" | grep -q "config reload: /etc/deskgate/deskgate.toml:$bad_line:[0-9]" ||
        { printf '%s\n' "$journal" | tail -n 10; fail "$unit logs 'config reload: /etc/deskgate/deskgate.toml:$bad_line:COLUMN' on SIGHUP"; }
    printf '%s\n' "$journal" | grep -q 'the previous config stays in force' || fail "$unit logs that the previous config stays in force"
    ct journalctl -u "$unit.service" -p err -o cat --no-pager | grep -q 'the previous config stays in force' ||
        fail "$unit's failed reload is in the journal at priority err (journalctl -p err)"
    if [ "$(main_pid "$unit.service")" != "$old" ] || ! ct systemctl is-active --quiet "$unit.service"; then
        fail "$unit.service still runs as $old after SIGHUP with the broken config"
    fi
    ok "$unit: SIGHUP with the broken config: logged with file:line:column, old config kept, same MainPID"
done
smtp sales@helpdesk.example.com "nspawn sales after broken reload"
smtp_refused nosuch@helpdesk.example.com "550 5.1.1"
wait_tickets 60 "nspawn sales after broken reload"
ok "with the broken file on disk both daemons still serve the last good config (queue 20, milter refusals)"
cp "$work/deskgate.toml.orig" "$work/merged/etc/deskgate/deskgate.toml"
ct timeout 60 systemctl reload deskgate-lmtpd.service deskgate-milter.service || fail "systemctl reload with the original config"
# the timers may have started tick or fetch while the file was broken: those runs failed (exit
# 78), rightly; with the file restored they succeed again
for s in deskgate-tick deskgate-fetch; do
    if [ "$(ct systemctl show -p Result --value "$s.service")" != success ]; then
        echo "  $s.service ran while the config was broken: $(ct systemctl show -p Result,ExecMainStatus "$s.service" | tr '\n' ' ')"
        ct systemctl reset-failed "$s.service"
    fi
    ct timeout 60 systemctl start "$s.service" || fail "systemctl start $s.service with the restored config"
    [ "$(ct systemctl show -p Result --value "$s.service")" = success ] || fail "$s.service succeeds again with the restored config"
done
ok "the original config restored and reloaded; deskgate-tick and deskgate-fetch succeed with it"

# --- systemd-analyze security ---------------------------------------------------------------
for unit in deskgate-lmtpd deskgate-milter deskgate-tick deskgate-fetch; do
    ct systemd-analyze security --no-pager "$unit.service" >"$work/security-$unit.txt" 2>&1 || true
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$work/security-$unit.txt")
    [ -n "$score" ] || { cat "$work/security-$unit.txt"; fail "systemd-analyze security $unit.service gives an overall exposure level"; }
    echo "  systemd-analyze security $unit.service: $score ($(sed -n 's/.*Overall exposure level for [^:]*: [0-9.]* //p' "$work/security-$unit.txt"))"
    case "$unit" in
        deskgate-lmtpd | deskgate-milter)
            awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || { cat "$work/security-$unit.txt"; fail "$unit.service exposure $score is above 2.0"; }
            ok "systemd-analyze security $unit.service: $score (2.0 or better)" ;;
    esac
done

for unit in deskgate-lmtpd deskgate-milter; do
    ct systemctl is-active --quiet "$unit.service" || fail "$unit.service active at the end"
done
failed=$(failed_units)
[ "$failed" = "$boot_failed" ] || { ct systemctl --failed --no-pager; fail "no failed units in the container (got: $failed)"; }
ok "no failed units in the container${boot_failed:+ but those that failed at boot ($boot_failed)}"
echo "systemd_units: all checks passed in $((SECONDS - started)) s"
