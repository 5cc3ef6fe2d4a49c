# milter_client.py - a small MTA-side driver of the milter protocol (version 6), as Postfix and
# sendmail speak it: for protocol-level tests of deskgate-milter without an MTA (the same job
# as `miltertest`). One Session per connection; every call returns the milter's replies.
import socket
import struct


class Session:
    def __init__(self, path, macros=None, timeout=20):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.macros = macros or {}
        # Offer every "do not send this step" flag (connect .. EOH, unknown, DATA) and no
        # "no reply" flags; the milter answers with the steps it does not want.
        self._send(b"O", struct.pack(">III", 6, 0x1FF, 0x37F))
        cmd, data = self._read()
        assert cmd == b"O", cmd
        _, self.actions, self.pflags = struct.unpack(">III", data[:12])

    _SKIP = {b"C": 0x1, b"H": 0x2, b"M": 0x4, b"R": 0x8, b"B": 0x10, b"L": 0x20, b"N": 0x40}

    def _send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def _read(self):
        head = self._exact(4)
        (n,) = struct.unpack(">I", head)
        body = self._exact(n)
        return body[:1], body[1:]

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                raise ConnectionError("milter closed the connection")
            out += chunk
        return out

    def _macros(self, code):
        for name, value in self.macros.get(code, {}).items():
            self._send(b"D", code + name.encode() + b"\0" + value.encode() + b"\0")

    def _step(self, cmd, data=b""):
        """Sends one event; returns the list of (reply, data) up to the final answer."""
        if self.pflags & self._SKIP.get(cmd, 0):
            return [(b"c", b"")]  # the milter asked not to see this step
        self._macros(cmd)
        self._send(cmd, data)
        replies = []
        while True:
            r, d = self._read()
            replies.append((r, d))
            if r not in (b"h", b"m", b"+", b"-", b"i", b"p", b"b", b"e"):
                return replies

    def connect(self, host="client.example", addr="127.0.0.1"):
        return self._step(b"C", host.encode() + b"\0" + b"4" + struct.pack(">H", 25) + addr.encode() + b"\0")

    def helo(self, name="client.example"):
        return self._step(b"H", name.encode() + b"\0")

    def mail(self, sender):
        return self._step(b"M", f"<{sender}>".encode() + b"\0")

    def rcpt(self, rcpt):
        return self._step(b"R", f"<{rcpt}>".encode() + b"\0")

    def header(self, name, value):
        return self._step(b"L", name.encode() + b"\0" + value.encode() + b"\0")

    def eoh(self):
        return self._step(b"N")

    def body(self, data):
        return self._step(b"B", data)

    def eom(self):
        return self._step(b"E")

    def close(self):
        try:
            self._send(b"Q")
        finally:
            self.s.close()


def final(replies):
    """The final answer: ('continue'|'accept'|'reject'|'tempfail'|'reply', text)."""
    r, d = replies[-1]
    names = {b"c": "continue", b"a": "accept", b"r": "reject", b"t": "tempfail", b"d": "discard"}
    if r == b"y":
        return "reply", d.rstrip(b"\0").decode()
    return names.get(r, r.decode()), ""


def modifications(replies):
    """Header changes, added recipients and a changed envelope sender at end of message, decoded."""
    out = []
    for r, d in replies[:-1]:
        if r == b"h":
            name, value = d.split(b"\0")[:2]
            out.append(("add", name.decode(), value.decode()))
        elif r == b"m":
            (index,) = struct.unpack(">I", d[:4])
            name, value = d[4:].split(b"\0")[:2]
            out.append(("change", name.decode(), index, value.decode()))
        elif r == b"+":
            out.append(("addrcpt", d.rstrip(b"\0").decode()))
        elif r == b"e":  # SMFIR_CHGFROM: the new envelope sender (then optional ESMTP arguments)
            out.append(("chgfrom", d.split(b"\0")[0].decode()))
    return out
