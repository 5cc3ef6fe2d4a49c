#!/usr/bin/env bash
# Installs exactly the Debian 12 packages deskgate's build and tests need. Idempotent: a
# second run installs nothing and exits 0. Must run as root (or with sudo available).
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
  # the sendmail hookup without sendmail (it conflicts with postfix): its m4 macros to build
  # a sendmail.cf from `deskgate sendmail-config`, and miltertest to play sendmail's side
  sendmail-cf miltertest
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
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not ask (nor configure a system mail server): we run private instances only.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
