"""aiosmtpd listeners for mailwire's interop tests (servers-up.sh copies this file and runs it).

One event loop serves two ports on the same host:
  plain  - no TLS, no AUTH
  tls    - STARTTLS required before anything else, then AUTH PLAIN/LOGIN required before MAIL

Every accepted message becomes two files in CAPTURE_DIR:
  <name>.eml   the exact bytes received after DATA (dot-unstuffed, CRLF kept, nothing added)
  <name>.json  the envelope: listener, TLS, auth user and mechanism, MAIL and per-RCPT parameters
The .eml is written first and the .json is renamed into place last, so a reader that sees a .json
can read both files whole.
"""
import argparse
import asyncio
import itertools
import json
import os
import pwd
import signal
import ssl
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

_counter = itertools.count()
# aiosmtpd 1.4 warns about its own use of a deprecated attribute on every successful AUTH.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


class Capture:
    def __init__(self, directory, listener, port):
        self.directory, self.listener, self.port = directory, listener, port

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # aiosmtpd flattens every RCPT's parameters into one list; keep them per recipient too.
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        if not hasattr(envelope, "mw_rcpts"):
            envelope.mw_rcpts = []
        envelope.mw_rcpts.append({"address": address, "options": list(rcpt_options)})
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "%d.%d.%d" % (time.time_ns(), os.getpid(), next(_counter))
        ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
        meta = {
            "listener": self.listener,
            "port": self.port,
            "helo": session.host_name,
            "tls": ssl_object is not None,
            "tlsVersion": ssl_object.version() if ssl_object is not None else None,
            "authUser": (session.auth_data.login.decode("utf-8", "replace")
                         if isinstance(session.auth_data, LoginPassword) else None),
            "authMechanism": getattr(session, "mw_auth_mechanism", None),
            "mailFrom": envelope.mail_from,
            "mailOptions": list(envelope.mail_options),
            "rcpts": getattr(envelope, "mw_rcpts", []),
            "smtputf8": bool(envelope.smtp_utf8),
            "size": len(envelope.original_content),
            "receivedAt": time.time(),
        }
        with open(os.path.join(self.directory, name + ".eml"), "wb") as f:
            f.write(envelope.original_content)
        tmp = os.path.join(self.directory, "." + name + ".json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, name + ".json"))
        print("captured %s on %s (%d bytes)" % (name, self.listener, meta["size"]), flush=True)
        return "250 2.0.0 OK: queued as " + name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--plain-port", type=int, required=True)
    ap.add_argument("--tls-port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--capture-dir", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--run-as", default="nobody")
    a = ap.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == a.user.encode() and auth_data.password == a.password.encode())
        if ok:
            session.mw_auth_mechanism = mechanism
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(a.cert, a.key)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    common = dict(data_size_limit=a.size, enable_SMTPUTF8=True, decode_data=False,
                  hostname="aiosmtpd.localhost", ident="aiosmtpd (mailwire interop)", loop=loop)

    def serve(port, factory):
        return loop.run_until_complete(loop.create_server(factory, host=a.host, port=port,
                                                          reuse_address=True))

    servers = [
        serve(a.plain_port, lambda: SMTP(Capture(a.capture_dir, "plain", a.plain_port), **common)),
        serve(a.tls_port, lambda: SMTP(Capture(a.capture_dir, "tls", a.tls_port),
                                       tls_context=context, require_starttls=True,
                                       auth_required=True, auth_require_tls=True,
                                       authenticator=authenticator, **common)),
    ]
    # Ports are bound and the key is loaded: nothing else needs root.
    if os.getuid() == 0:
        user = pwd.getpwnam(a.run_as)
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("aiosmtpd: plain on %s:%d, STARTTLS+AUTH on %s:%d, uid %d"
          % (a.host, a.plain_port, a.host, a.tls_port, os.getuid()), flush=True)
    try:
        loop.run_forever()
    finally:
        for s in servers:
            s.close()
        print("aiosmtpd: stopped", flush=True)


if __name__ == "__main__":
    main()
