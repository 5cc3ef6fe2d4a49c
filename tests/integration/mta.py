# mta.py - throw-away mail infrastructure for integration tests and benchmarks: a private
# Postfix instance on loopback (own config dir in a temp dir), smtp-sink catching everything
# that would leave the machine, deskgate-lmtpd, a Dovecot serving only SASL logins to a Postfix
# smtpd, and a self-signed certificate. Everything is stopped by close() (use the classes as
# context managers). Notes on the pitfalls: ../shared/design/TESTING-WITH-POSTFIX.md.
import json
import os
import shutil
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, what, interval=0.1):
    """Polls predicate() until it returns something true; bounded in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Postfix:
    """A Postfix instance: smtpd on 127.0.0.1:smtp_port, `transport` lines for the helpdesk
    domain, everything else relayed to 127.0.0.1:relay_port (an smtp-sink)."""

    def __init__(self, base, smtp_port, relay_port, transport, relay_domains, extra_main=None, extra_master=""):
        self.base = base
        self.etc = os.path.join(base, "etc")
        self.smtp_port = smtp_port
        os.makedirs(self.etc)
        os.makedirs(os.path.join(base, "queue"))
        os.makedirs(os.path.join(base, "data"))
        os.chmod(base, 0o755)
        shutil.chown(os.path.join(base, "data"), "postfix", "postfix")
        with open(os.path.join(self.etc, "transport"), "w") as f:
            f.write(transport)
        main = {
            "compatibility_level": "3.6",
            "queue_directory": os.path.join(base, "queue"),
            "data_directory": os.path.join(base, "data"),
            "mail_owner": "postfix",
            "myhostname": "mx.test.example",
            "mydomain": "test.example",
            "myorigin": "$myhostname",
            "mydestination": "",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relay_domains": relay_domains,
            "transport_maps": "texthash:" + os.path.join(self.etc, "transport"),
            "relayhost": f"[127.0.0.1]:{relay_port}",
            "disable_dns_lookups": "yes",
            "smtp_dns_support_level": "disabled",
            "smtpd_peername_lookup": "no",
            "maillog_file": os.path.join(base, "maillog"),
            "maillog_file_prefixes": base,
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "biff": "no",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "queue_run_delay": "2s",
            "minimal_backoff_time": "2s",
            "maximal_backoff_time": "4s",
            "lmtp_connection_cache_on_demand": "yes",
        }
        main.update(extra_main or {})
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            for k, v in main.items():
                f.write(f"{k} = {v}\n")
        with open("/etc/postfix/master.cf") as f:
            lines = f.read().splitlines()
        out = []
        for line in lines:
            fields = line.split()
            if line and not line[0].isspace() and not line.startswith("#") and len(fields) >= 8:
                if fields[0] == "smtp" and fields[1] == "inet":
                    fields[0] = f"127.0.0.1:{smtp_port}"
                fields[4] = "n"  # no chroot: daemons must see the temp dir
                line = " ".join(fields[:8]) + (" " + " ".join(fields[8:]) if len(fields) > 8 else "")
            out.append(line)
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write("\n".join(out) + "\n" + extra_master)

    def postfix(self, *args, check=True):
        return subprocess.run(["postfix", "-c", self.etc, *args], capture_output=True, text=True,
                              timeout=60, check=check)

    def start(self):
        r = self.postfix("start", check=False)
        if r.returncode != 0:
            raise RuntimeError(f"postfix start failed: {r.stdout} {r.stderr}\n{self.log()}")
        wait_for(lambda: self._listening(), 20, "postfix smtpd")

    def _listening(self):
        try:
            with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def stop(self):
        self.postfix("stop", check=False)
        try:
            wait_for(lambda: not os.path.exists(os.path.join(self.base, "data", "master.lock")) or
                     subprocess.run(["postfix", "-c", self.etc, "status"], capture_output=True).returncode != 0,
                     20, "postfix to stop")
        except TimeoutError:
            self.postfix("abort", check=False)

    def queue(self):
        r = subprocess.run(["postqueue", "-c", self.etc, "-j"], capture_output=True, text=True, timeout=30)
        return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

    def flush(self):
        subprocess.run(["postqueue", "-c", self.etc, "-f"], capture_output=True, timeout=30)

    def log(self):
        try:
            with open(os.path.join(self.base, "maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Sink:
    """smtp-sink on 127.0.0.1:port writing every message it receives into dump_dir."""

    def __init__(self, port, dump_dir):
        os.makedirs(dump_dir, exist_ok=True)
        os.chmod(dump_dir, 0o777)
        self.dump_dir = dump_dir
        self.proc = subprocess.Popen(["smtp-sink", "-u", "postfix", "-d", os.path.join(dump_dir, "msg."),
                                      f"127.0.0.1:{port}", "32"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for(lambda: _connectable(port), 10, "smtp-sink")

    def messages(self):
        out = []
        for name in sorted(os.listdir(self.dump_dir)):
            with open(os.path.join(self.dump_dir, name), "rb") as f:
                out.append(f.read())
        return out

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _connectable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class Lmtpd:
    """deskgate-lmtpd in the foreground on a unix socket (mode 0666 so Postfix's user can
    connect), logging to base/lmtpd.log."""

    def __init__(self, binary, config, store, socket_path, extra=()):
        self.args = [binary, "--config", config, "--store", store, "--listen", "unix:" + socket_path,
                     "--socket-mode", "0666", "--foreground", *extra]
        self.socket_path = socket_path
        self.log_path = os.path.join(os.path.dirname(socket_path), "lmtpd.log")
        self.proc = None
        self.start()

    def start(self):
        before = self.log().count("ready:") if os.path.exists(self.log_path) else 0
        self.log_file = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.args, stdout=self.log_file, stderr=self.log_file)
        wait_for(lambda: self.log().count("ready:") > before, 20, "deskgate-lmtpd")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def signal(self, signo):
        self.proc.send_signal(signo)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)
        self.log_file.close()

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log_file.close()
        return self.proc.returncode


def self_signed_cert(directory, name):
    """A throw-away key and self-signed certificate for `name`: (cert_path, key_path)."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    return cert, key


class DovecotAuth:
    """Dovecot with no mail protocols, only its auth service: a passwd-file of `users` ({login:
    password}) and an auth socket at base/auth-postfix (mode 0666) for smtpd_sasl_type = dovecot.
    Own config (dovecot -c), base_dir and logs under base."""

    def __init__(self, base, users):
        os.makedirs(base, exist_ok=True)
        os.chmod(base, 0o755)
        self.base = base
        self.socket = os.path.join(base, "auth-postfix")
        self.conf = os.path.join(base, "dovecot.conf")
        with open(os.path.join(base, "users"), "w") as f:
            for login, password in users.items():
                f.write(f"{login}:{{PLAIN}}{password}\n")
        os.chmod(os.path.join(base, "users"), 0o644)
        with open(self.conf, "w") as f:
            f.write(f"""base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols =
ssl = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service auth {{
  unix_listener {self.socket} {{
    mode = 0666
  }}
}}
""")
        # the daemon keeps its standard streams: a file, not a pipe we would wait on
        with open(os.path.join(base, "start.log"), "w") as out:
            r = subprocess.run(["dovecot", "-c", self.conf], stdout=out, stderr=out, timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"dovecot failed: {open(os.path.join(base, 'start.log')).read()}")
        wait_for(lambda: os.path.exists(self.socket), 20, "dovecot's auth socket")

    def log(self):
        try:
            with open(os.path.join(self.base, "dovecot.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        subprocess.run(["doveadm", "-c", self.conf, "stop"], capture_output=True, timeout=30)
        pid_file = os.path.join(self.base, "run", "master.pid")
        try:
            wait_for(lambda: not os.path.exists(pid_file), 10, "dovecot to stop")
        except TimeoutError:
            with open(pid_file) as f:
                os.kill(int(f.read().strip()), signal.SIGKILL)


class Dovecot:
    """A Dovecot instance on 127.0.0.1 (its own config file, base_dir, state and maildirs under
    base; run as root, mail owned by user `mail`): `ssl = required` with a self-signed
    certificate for CN=localhost, implicit-TLS IMAP and POP3 (imaps_port, pop3s_port) and plain
    ports that must be upgraded with STARTTLS (imap_port, pop3_port). `users` maps names to
    passwords (passwd-file); with `oauth2_introspection_url` an oauth2 passdb accepts XOAUTH2
    and OAUTHBEARER for any user, asking that URL with the bearer token
    (introspection_mode = auth). Stopped by close()."""

    def __init__(self, base, users, oauth2_introspection_url=None):
        self.base = base
        self.conf = os.path.join(base, "dovecot.conf")
        self.imaps_port, self.pop3s_port, self.imap_port, self.pop3_port = (free_port() for _ in range(4))
        for d in ("run", "state", "mail"):
            os.makedirs(os.path.join(base, d))
        os.chmod(base, 0o755)
        shutil.chown(os.path.join(base, "mail"), "mail", "mail")
        self.cert, key = self_signed_cert(base, "localhost")
        with open(os.path.join(base, "users"), "w") as f:
            for name, password in users.items():
                f.write(f"{name}:{{PLAIN}}{password}::::::\n")
        oauth2 = ""
        if oauth2_introspection_url:
            with open(os.path.join(base, "oauth2.conf.ext"), "w") as f:
                f.write(f"introspection_mode = auth\nintrospection_url = {oauth2_introspection_url}\n"
                        "force_introspection = yes\nusername_attribute = username\n"
                        "active_attribute = active\nactive_value = true\n")
            oauth2 = ("passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                      f"  args = {base}/oauth2.conf.ext\n}}\n")
        with open(self.conf, "w") as f:
            f.write(f"""protocols = imap pop3
base_dir = {base}/run
state_dir = {base}/state
instance_name = deskgate-test-{os.getpid()}
log_path = {base}/dovecot.log
listen = 127.0.0.1
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{key}
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
auth_verbose = yes
mail_location = maildir:{base}/mail/%u
mail_uid = mail
mail_gid = mail
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN {base}/users
}}
{oauth2}userdb {{
  driver = static
  args = uid=mail gid=mail home={base}/mail/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {self.pop3_port}
  }}
  inet_listener pop3s {{
    port = {self.pop3s_port}
    ssl = yes
  }}
}}
""")
        self.started = False
        # the daemon keeps the descriptors it started with: a file, not a pipe to wait on
        with open(os.path.join(base, "start.log"), "w+") as out:
            r = subprocess.run(["dovecot", "-c", self.conf], stdout=out, stderr=out, timeout=30)
            out.seek(0)
            if r.returncode != 0:
                raise RuntimeError(f"dovecot did not start: {out.read()}\n{self.log()}")
        self.started = True
        for port in (self.imaps_port, self.pop3s_port, self.imap_port, self.pop3_port):
            wait_for(lambda: _connectable(port), 20, f"dovecot on port {port}")

    def doveadm(self, *args, data=None):
        return subprocess.run(["doveadm", "-c", self.conf, *args], input=data, capture_output=True,
                              timeout=30, check=True)

    def save(self, user, message, folder="INBOX"):
        """Puts a message (bytes) into the user's folder, as a delivery would."""
        self.doveadm("save", "-u", user, "-m", folder, data=message)

    def count(self, user, folder="INBOX"):
        out = self.doveadm("mailbox", "status", "-u", user, "messages", folder).stdout.decode()
        return int(out.split("messages=")[1].split()[0])

    def subjects(self, user, folder="INBOX"):
        out = self.doveadm("fetch", "-u", user, "hdr.subject", "mailbox", folder, "ALL").stdout.decode()
        return [l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("hdr.subject:")]

    def log(self):
        try:
            with open(os.path.join(self.base, "dovecot.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        if not self.started:
            return
        self.started = False
        pid_file = os.path.join(self.base, "run", "master.pid")
        try:
            pid = int(open(pid_file).read().strip())
        except (OSError, ValueError):
            return
        subprocess.run(["doveadm", "-c", self.conf, "stop"], capture_output=True, timeout=30)
        try:
            wait_for(lambda: not _alive(pid), 15, "dovecot to stop")
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)


def _alive(pid):
    """Whether pid runs (a zombie nobody reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
