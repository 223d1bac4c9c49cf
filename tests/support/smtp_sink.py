"""An SMTP server for Kairos's tests (aiosmtpd, installed by .ci/run).

Every accepted message is saved whole as <n>.eml in DIR (written to a
temporary name, then renamed). Recipients shape the answer, as a real
server's would: a local part starting with "refuse" is refused (550), one
starting with "busy" is deferred (451). With --auth, AUTH PLAIN/LOGIN is
offered without TLS and only USER/PASSWORD is accepted.

    python3 smtp_sink.py PORT DIR [--auth USER:PASSWORD]

Prints "ready" once listening; stops on SIGTERM.
"""

import itertools
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("busy"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.counter)
        final = os.path.join(self.folder, f"{n:06d}.eml")
        partial = final + ".partial"
        with open(partial, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.replace(partial, final)
        return "250 Message accepted"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    options = {}
    if "--auth" in sys.argv:
        user, password = sys.argv[sys.argv.index("--auth") + 1].split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and (
                data.login.decode() == user and data.password.decode() == password
            )
            # handled=False: aiosmtpd answers 535 itself on failure.
            return AuthResult(success=ok, handled=False)

        options = {"authenticator": check, "auth_require_tls": False, "auth_required": True}
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
