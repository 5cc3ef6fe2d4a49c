#!/usr/bin/env bash
# Installs exactly the Debian 12 packages deskgate's build and tests need. Idempotent: a
# second run installs nothing and exits 0. Must run as root (or with sudo available). Also
# unpacks (never installs) sendmail-bin for the real-sendmail test, see the end.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  # fuzzing (tests/fuzz, preset fuzz): clang, and libFuzzer's runtime with ASan/UBSan for clang 14
  clang libclang-rt-14-dev
  # libraries
  libgmime-3.0-dev liblmdb-dev libfmt-dev libtomlplusplus-dev libre2-dev libxml2-dev
  libboost1.81-dev libmilter-dev libsystemd-dev libuchardet-dev
  # tests: a real Postfix (smtp-source / smtp-sink load tools too), swaks, and Dovecot's LMTP
  # server as the benchmark peer
  doctest-dev lmdb-utils python3 postfix swaks dovecot-lmtpd
  # the Debian package: dpkg-shlibdeps (CPack's Depends), lintian and what its checks run
  # (file, man), systemd-analyze verify, adduser for the maintainer scripts
  dpkg-dev file man-db lintian systemd adduser
  # the sendmail hookup (sendmail conflicts with postfix as a package): its m4 macros to build
  # a sendmail.cf from `deskgate sendmail-config`, miltertest to play sendmail's side, and for
  # a real sendmail unpacked from sendmail-bin below: the libraries it links, Cyrus SASL's
  # PLAIN/LOGIN and sasldb plugins and saslpasswd2 (staff log in on the submission daemon)
  sendmail-cf miltertest
  libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libssl3 libwrap0
  libsasl2-modules libsasl2-modules-db sasl2-bin
  # mailboxes at a provider (issue 15): the fetchers deskgate drives (getmail6; fetchmail for
  # STARTTLS), Dovecot's IMAP and POP3 servers as the provider in tests, the Cyrus SASL mechanisms
  # Postfix's SMTP client logs in with, and openssl for the tests' self-signed certificates
  getmail6 fetchmail dovecot-imapd dovecot-pop3d libsasl2-modules openssl
  # the units under systemd as PID 1 (tests/integration/systemd_units.sh): a Debian root made
  # by debootstrap (once, cached in /var/cache/deskgate-test), booted with systemd-nspawn
  debootstrap systemd-container
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  # Postfix must not ask (nor configure a system mail server): we run private instances only.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A real sendmail for tests/integration/sendmail_real.sh, never installed (sendmail-bin conflicts
# with postfix): the package's files unpacked into $sendmail_root, the same version as the
# sendmail-cf macros. The test runs $sendmail_root/usr/libexec/sendmail/sendmail with a
# sendmail.cf of its own; nothing of it is on PATH or in /etc.
sendmail_root=/opt/deskgate-test/sendmail
if [ -x "$sendmail_root/usr/libexec/sendmail/sendmail" ]; then
  echo "install-deps: sendmail present in $sendmail_root"
else
  version="$(dpkg-query -W -f='${Version}' sendmail-cf)"
  tmp="$(mktemp -d)"
  chmod 777 "$tmp"   # apt downloads as its own user (_apt)
  if ! (cd "$tmp" && apt-get download -qq "sendmail-bin=$version"); then
    $SUDO apt-get update -qq
    (cd "$tmp" && apt-get download -qq "sendmail-bin=$version")
  fi
  $SUDO rm -rf "$sendmail_root.new"
  $SUDO mkdir -p "$sendmail_root.new"
  $SUDO dpkg-deb -x "$tmp"/sendmail-bin_*.deb "$sendmail_root.new"
  $SUDO rm -rf "$sendmail_root"
  $SUDO mv "$sendmail_root.new" "$sendmail_root"
  rm -rf "$tmp"
  echo "install-deps: sendmail-bin $version unpacked into $sendmail_root"
fi
