#!/usr/bin/env python3
"""End-to-end test of server.tls (contract 8, 11): TLS 1.3 and 1.2 with curl, TLS 1.1 and
(with min_version 1.3) TLS 1.2 refused, mutual TLS with a good, a wrong and no client
certificate, transport facts on events posted over TLS, and certificate reload on SIGHUP.

Certificates are made at test time with the openssl CLI in a temporary directory.
Usage: test_tls.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only; bounded time)
"""
import argparse
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time

import test_serve as base
from test_serve import check, expect_equal

RULES = """\
partners:
  - id: bank-a
    name: Bank A
    class: bank
rules:
  - id: sent-over-tls13
    kind: condition
    category: security
    severity: major
    description: Events arrive over TLS 1.3.
    when: event.type == 'contribution.collected'
    require: event.transport.tls == true && event.transport.tls_version == 'TLSv1.3'
  - id: sent-with-bank-a-cert
    kind: condition
    category: security
    severity: major
    description: Events arrive with Bank A's client certificate.
    when: event.type == 'contribution.collected'
    require: event.transport.client_cert == 'CN=bank-a.partners.example,O=Bank A'
"""

BANK_A_SUBJECT = "CN=bank-a.partners.example,O=Bank A"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_ca(d, name, cn):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".crt", "-subj", "/CN=" + cn, "-days", "2", cwd=d)


def make_leaf(d, name, ca, subj, serial, ext):
    """A key and a certificate signed by `ca` with the given subject, serial and extensions."""
    with open(os.path.join(d, name + ".ext"), "w") as f:
        f.write(ext)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", name + ".key", "-out", name + ".csr", "-subj", subj, cwd=d)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-set_serial", str(serial), "-days", "2", "-extfile", name + ".ext", "-out", name + ".crt", cwd=d)


SERVER_EXT = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
CLIENT_EXT = "extendedKeyUsage=clientAuth\n"


def make_certificates(d):
    make_ca(d, "ca", "slawatch test CA")
    make_ca(d, "other-ca", "another CA")
    make_leaf(d, "server", "ca", "/CN=localhost", 1001, SERVER_EXT)
    make_leaf(d, "renewed", "ca", "/CN=localhost-renewed", 2002, SERVER_EXT)
    make_leaf(d, "client", "ca", "/O=Bank A/CN=bank-a.partners.example", 3003, CLIENT_EXT)
    make_leaf(d, "wrong", "other-ca", "/O=Bank A/CN=bank-a.partners.example", 4004, CLIENT_EXT)


def client_context(d, cert=None):
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    if cert:
        ctx.load_cert_chain(os.path.join(d, cert + ".crt"), os.path.join(d, cert + ".key"))
    return ctx


def tls_request(port, ctx, method, path, body=None):
    """(status, body bytes, negotiated version, server certificate dict)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data, conn.sock.version(), conn.sock.getpeercert()
    finally:
        conn.close()


class TlsDaemon(base.Daemon):
    """A daemon whose readiness is probed over TLS with `ctx`."""

    def __init__(self, binary, config, log_path, ctx):
        super().__init__(binary, config, log_path)
        self.ctx = ctx

    def start(self, port):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config], stdout=log, stderr=log)
        self.port = port
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("slawatch exited during start-up with %d" % self.proc.returncode)
            try:
                if tls_request(port, self.ctx, "GET", "/-/ready")[0] == 200:
                    return
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.05)
        raise RuntimeError("slawatch not ready within 20 s")


def write_config(tmp, name, port, tls):
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write("server:\n  listen: 127.0.0.1:%d\n  tls: %s\n  read_timeout: 5s\n"
                "storage:\n  path: %s/%s/slawatch.db\nrules: [%s/rules/*.yaml]\n"
                % (port, json.dumps(tls), tmp, name, tmp))
    return path


def curl(d, port, *args):
    """curl's exit code and its verbose output (stderr) plus body for GET /-/ready."""
    p = subprocess.run(["curl", "-sS", "-v", "--max-time", "10", "--cacert", os.path.join(d, "ca.crt"),
                        *args, "https://127.0.0.1:%d/-/ready" % port],
                       capture_output=True, text=True, timeout=20)
    return p.returncode, p.stderr + p.stdout


def test_versions(d, port):
    code, out = curl(d, port, "--tlsv1.3")
    check(code == 0 and "SSL connection using TLSv1.3" in out, "curl TLS 1.3: %d %s" % (code, out[-400:]))
    code, out = curl(d, port, "--tlsv1.2", "--tls-max", "1.2")
    check(code == 0 and "SSL connection using TLSv1.2" in out, "curl TLS 1.2: %d %s" % (code, out[-400:]))
    p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_1",
                        "-cipher", "DEFAULT:@SECLEVEL=0"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=20)
    out = p.stdout + p.stderr
    check(p.returncode != 0 and "protocol version" in out, "TLS 1.1 refused: %d %s" % (p.returncode, out[-400:]))


def test_plain_http_on_tls_port(port):
    # Plain HTTP on a TLS port fails the handshake: the client gets no answer, not a 200.
    try:
        status, _, _ = base.request(port, "GET", "/-/ready")
        check(status != 200, "plain HTTP on the TLS port answered %r" % status)
    except (OSError, http.client.HTTPException):
        pass


def test_transport_facts(port, ctx, expect_cert):
    body = json.dumps([{"id": "tls-%d" % port, "partner": "bank-a", "type": "contribution.collected",
                        "occurred_at": "2026-11-26T09:15:00+03:00", "attributes": {"amount": 1}}])
    status, data, version, _ = tls_request(port, ctx, "POST", "/v1/events", body)
    expect_equal(status, 200, "POST over TLS: %r" % data)
    expect_equal(version, "TLSv1.3", "negotiated version")
    _, metrics, _, _ = tls_request(port, ctx, "GET", "/metrics")
    text = metrics.decode()
    met = lambda rule: base.metric_value(text, "slawatch_rule_outcomes_total", {"rule": rule, "outcome": "met"})
    expect_equal(met("sent-over-tls13"), 1, "transport.tls_version stamped TLSv1.3 (rule met)")
    expect_equal(met("sent-with-bank-a-cert"), 1 if expect_cert else 0,
                 "transport.client_cert stamped %r" % (BANK_A_SUBJECT if expect_cert else None))


def test_reload(d, daemon, port, ctx):
    _, _, _, cert = tls_request(port, ctx, "GET", "/-/ready")
    expect_equal(cert.get("serialNumber"), "03E9", "serial before reload")
    # A broken certificate file: the reload fails, the old certificate stays in use.
    with open(os.path.join(d, "server.crt"), "w") as f:
        f.write("not a certificate\n")
    daemon.proc.send_signal(signal.SIGHUP)
    wanted = "server.tls.cert: cannot read certificate chain from %s/server.crt" % d
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and wanted not in open(daemon.log_path).read():
        time.sleep(0.05)
    check(wanted in open(daemon.log_path).read(), "failed reload logged: " + wanted)
    expect_equal(tls_request(port, ctx, "GET", "/-/ready")[3].get("serialNumber"), "03E9", "serial kept")
    for ext in ("crt", "key"):
        os.replace(os.path.join(d, "renewed." + ext), os.path.join(d, "server." + ext))
    daemon.proc.send_signal(signal.SIGHUP)
    serial = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and serial != "07D2":
        serial = tls_request(port, ctx, "GET", "/-/ready")[3].get("serialNumber")
        time.sleep(0.05)
    expect_equal(serial, "07D2", "serial after reload")
    subject = tls_request(port, ctx, "GET", "/-/ready")[3].get("subject")
    expect_equal(subject, ((("commonName", "localhost-renewed"),),), "subject after reload")


def test_min_13(d, port):
    code, out = curl(d, port, "--tlsv1.2", "--tls-max", "1.2")
    check(code != 0 and "protocol version" in out, "min 1.3 refuses TLS 1.2: %d %s" % (code, out[-400:]))
    code, out = curl(d, port, "--tlsv1.3")
    check(code == 0 and "SSL connection using TLSv1.3" in out, "min 1.3 serves TLS 1.3: %d" % code)


def test_mutual(d, port):
    code, out = curl(d, port, "--cert", os.path.join(d, "client.crt"), "--key", os.path.join(d, "client.key"))
    check(code == 0 and "HTTP/1.1 200" in out, "good client certificate: %d %s" % (code, out[-300:]))
    status = tls_request(port, client_context(d, "client"), "GET", "/-/ready")[0]
    expect_equal(status, 200, "good client certificate (python)")
    for label, cert in (("wrong", "wrong"), ("missing", None)):
        args = ["--cert", os.path.join(d, cert + ".crt"), "--key", os.path.join(d, cert + ".key")] if cert else []
        code, out = curl(d, port, *args)
        check(code != 0 and "HTTP/1.1 200" not in out, "%s client certificate refused: %d %s" % (label, code, out[-300:]))
        try:
            status = tls_request(port, client_context(d, cert), "GET", "/-/ready")[0]
            check(False, "%s client certificate answered %r" % (label, status))
        except (OSError, ssl.SSLError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="slawatch-tls-")
    d = os.path.join(tmp, "certs")
    os.mkdir(d)
    os.mkdir(os.path.join(tmp, "rules"))
    with open(os.path.join(tmp, "rules", "tls-rules.yaml"), "w") as f:
        f.write(RULES)
    tls = {"cert": d + "/server.crt", "key": d + "/server.key"}
    port = base.free_port()
    daemon = TlsDaemon(args.binary, write_config(tmp, "plain-tls", port, tls),
                       os.path.join(tmp, "slawatch.log"), None)

    def scenario():
        make_certificates(d)
        daemon.ctx = client_context(d)
        daemon.start(port)
        test_versions(d, port)
        test_plain_http_on_tls_port(port)
        test_transport_facts(port, client_context(d), expect_cert=False)
        test_reload(d, daemon, port, client_context(d))
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM")
        make_leaf(d, "server", "ca", "/CN=localhost", 1001, SERVER_EXT)

        port13 = base.free_port()
        daemon.config = write_config(tmp, "min13", port13, dict(tls, min_version="1.3"))
        daemon.start(port13)
        test_min_13(d, port13)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM (min 1.3)")

        port_m = base.free_port()
        daemon.config = write_config(tmp, "mutual", port_m, dict(tls, client_ca=d + "/ca.crt"))
        daemon.ctx = client_context(d, "client")
        daemon.start(port_m)
        test_mutual(d, port_m)
        test_transport_facts(port_m, client_context(d, "client"), expect_cert=True)
        expect_equal(daemon.kill(signal.SIGTERM), 0, "exit code after SIGTERM (mutual)")

    return base.run_scenario(daemon, tmp, started, scenario)


if __name__ == "__main__":
    sys.exit(main())
