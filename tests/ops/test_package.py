#!/usr/bin/env python3
"""The Debian package: build it with cpack from the build tree, check its file list, control
fields and conffiles, unpack it into a temp root and run the unpacked binary (version, check
of the packaged configuration with paths moved into the root, the packaged rule tests).

Usage: test_package.py --build BUILD_DIR --source REPO_ROOT
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

FAILURES = []

REQUIRED = ["./usr/bin/slawatch", "./lib/systemd/system/slawatch.service", "./etc/slawatch/slawatch.yaml",
            "./etc/slawatch/rules/partners.yaml", "./etc/slawatch/rules/timeliness.yaml",
            "./usr/share/slawatch/rules/tests/timeliness.yaml", "./usr/share/slawatch/rules-tests",
            "./usr/share/slawatch/grafana/", "./usr/share/doc/slawatch/operations.md",
            "./usr/share/slawatch/grafana/dashboards/sla-overview.json",
            "./usr/share/slawatch/grafana/dashboards/partner-detail.json",
            "./usr/share/slawatch/grafana/dashboards/internals.json",
            "./usr/share/slawatch/grafana/provisioning/datasources/slawatch.yaml",
            "./usr/share/slawatch/grafana/provisioning/dashboards/slawatch.yaml",
            "./usr/share/doc/slawatch/configuration.md"]


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def check_contents(deb, source):
    listing = run(["dpkg-deb", "-c", deb]).stdout.splitlines()
    paths = {line.split()[5] for line in listing if len(line.split()) >= 6}
    for p in REQUIRED:
        check(p in paths, "package contains " + p)
    check(not any(p.startswith("./etc/slawatch/rules/tests") for p in paths), "no rule tests under /etc")
    check(not any(p.startswith("./usr/local") for p in paths), "nothing under /usr/local")
    fields = {}
    for key in ["Package", "Version", "Architecture", "Maintainer", "Depends", "Description", "Section"]:
        fields[key] = run(["dpkg-deb", "-f", deb, key]).stdout.strip()
    check(fields["Package"] == "slawatch", "Package: slawatch, got %r" % fields["Package"])
    check(fields["Version"] != "" and fields["Maintainer"] != "", "Version and Maintainer set: %r" % fields)
    for lib in ["tzdata", "libsqlite3-0", "libyaml-cpp0.7", "libssl3", "libre2-9", "libprometheus-cpp-core"]:
        check(lib in fields["Depends"], "Depends names %s: %r" % (lib, fields["Depends"]))
    check(fields["Description"].startswith("partner SLA monitoring"), "Description: %r" % fields["Description"][:80])
    conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout.split()
    check("/etc/slawatch/slawatch.yaml" in conffiles, "conffiles list /etc/slawatch/slawatch.yaml: %r" % conffiles[:3])


def check_unpacked(deb, root, source):
    out = run(["dpkg-deb", "-x", deb, root])
    check(out.returncode == 0, "dpkg-deb -x: " + out.stderr)
    binary = os.path.join(root, "usr", "bin", "slawatch")
    v = run([binary, "version"])
    check(v.returncode == 0 and v.stdout.startswith("slawatch "), "unpacked slawatch version: %r" % v.stdout)
    with open(os.path.join(root, "lib/systemd/system/slawatch.service")) as a, \
            open(os.path.join(source, "systemd/slawatch.service")) as b:
        check(a.read() == b.read(), "packaged unit is systemd/slawatch.service")
    cfg = os.path.join(root, "etc", "slawatch", "slawatch.yaml")
    with open(cfg) as f:
        text = f.read()
    check("/etc/slawatch/rules/*.yaml" in text and "/var/lib/slawatch/slawatch.db" in text,
          "default configuration names the packaged paths")
    moved = os.path.join(root, "slawatch-test.yaml")
    with open(moved, "w") as f:
        f.write(text.replace("/etc/slawatch", root + "/etc/slawatch").replace("/var/lib/slawatch", root + "/var/lib/slawatch"))
    c = run([binary, "check", "--config", moved])
    check(c.returncode == 0, "unpacked slawatch check of the packaged configuration: %s %s" % (c.stdout, c.stderr[-2000:]))
    tests = sorted(glob.glob(os.path.join(root, "usr/share/slawatch/rules-tests/*.yaml")))
    check(len(tests) > 0, "packaged rule tests found through rules-tests/")
    t = run([binary, "test"] + tests)
    check(t.returncode == 0, "packaged rule tests pass: %s" % (t.stdout + t.stderr)[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = run(["cpack", "--config", os.path.join(args.build, "CPackConfig.cmake"), "-G", "DEB",
                   "-B", os.path.join(tmp, "pkg")])
        debs = glob.glob(os.path.join(tmp, "pkg", "*.deb"))
        if not check(out.returncode == 0 and len(debs) == 1, "cpack builds one .deb: %s %s" % (out.stdout[-1500:], out.stderr[-1500:])):
            return 1
        check_contents(debs[0], args.source)
        root = os.path.join(tmp, "root")
        os.makedirs(root)
        check_unpacked(debs[0], root, args.source)
    print("%d check(s) failed" % len(FAILURES) if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
