#!/usr/bin/env python3
"""`slawatch test` (contract 5.4) against the real binary: passing and failing tests, the diff
of a failure, exit codes 0/1/2, rule_files relative to the test file, business-day deadlines
on the simulated clock.

Usage: test_rule_tests.py --binary PATH --source REPO_ROOT   (Python 3 stdlib only)
"""
import argparse
import os
import subprocess
import sys
import tempfile

RULES = """\
calendars:
  ke: { timezone: Africa/Nairobi, workdays: [mon, tue, wed, thu, fri], holidays: [2026-12-25] }
partners:
  - { id: bank-a, name: Bank A, class: bank, timezone: Africa/Nairobi, calendar: ke }
rules:
  - id: amount-positive
    kind: condition
    category: integrity
    severity: major
    description: A collected contribution has a positive amount.
    when: event.type == 'contribution.collected'
    require: has(event.attributes.amount) && event.attributes.amount > 0
  - id: contribution-remittance-t1
    kind: deadline
    category: timeliness
    severity: major
    description: Collected contributions are remitted within 1 business day.
    start: { when: event.type == 'contribution.collected', key: event.attributes.receipt_no }
    stop:  { when: event.type == 'contribution.remitted', key: event.attributes.receipt_nos }
    within: 1 business_days
    warn_at: [50%]
"""

PASSING = """\
rule_files: [../rules/*.yaml]
tests:
  - name: Friday collection is due Monday; a Wednesday remittance closes the breach late
    events:
      - at: 2026-11-06T15:00:00+03:00
        event: { id: c1, partner: bank-a, type: contribution.collected,
                 occurred_at: 2026-11-06T15:00:00+03:00, attributes: { receipt_no: R1, amount: 100 } }
      - at: 2026-11-11T09:00:00+03:00
        event: { id: r1, partner: bank-a, type: contribution.remitted,
                 occurred_at: 2026-11-11T09:00:00+03:00, attributes: { receipt_nos: [R1], amount: 100 } }
    advance_to: 2026-11-12T00:00:00+03:00
    expect_breaches:
      - { rule: contribution-remittance-t1, partner: bank-a, key: R1, status: closed, kind: deadline,
          due_at: 2026-11-09T23:59:59.999+03:00, detected_at: 2026-11-09T20:59:59.999Z,
          completed_at: 2026-11-11T06:00:00Z, delay_seconds: 118800.001 }
    expect_no_breaches: [amount-positive]
    expect_metrics:
      - 'slawatch_breaches_total{rule="contribution-remittance-t1",partner="bank-a"} 1'
      - 'slawatch_rule_outcomes_total{rule="contribution-remittance-t1",outcome="breached"} 1'
      - 'slawatch_rule_outcomes_total{rule="amount-positive",outcome="met"} 1'
      - 'slawatch_breaches_open{rule="contribution-remittance-t1"} 0'
      - 'slawatch_warnings_total{rule="contribution-remittance-t1",threshold="50%"} 1'
      - 'slawatch_obligations_open{rule="contribution-remittance-t1"} 0'
  - name: an open breach and an open obligation show in the gauges
    events:
      - event: { id: c1, partner: bank-a, type: contribution.collected,
                 occurred_at: 2026-11-06T15:00:00+03:00, attributes: { receipt_no: R1, amount: 100 } }
      - event: { id: c2, partner: bank-a, type: contribution.collected,
                 occurred_at: 2026-11-09T15:00:00+03:00, attributes: { receipt_no: R2, amount: 100 } }
    advance_to: 2026-11-10T00:00:00+03:00
    expect_breaches:
      - { rule: contribution-remittance-t1, key: R1, status: open, completed_at: null }
    expect_metrics:
      - 'slawatch_breaches_open{rule="contribution-remittance-t1",partner="bank-a"} 1'
      - 'slawatch_obligations_open{rule="contribution-remittance-t1",partner="bank-a"} 1'
  - name: a remittance in time meets the obligation
    events:
      - event: { id: c1, partner: bank-a, type: contribution.collected,
                 occurred_at: 2026-11-06T15:00:00+03:00, attributes: { receipt_no: R1, amount: 100 } }
      - event: { id: r1, partner: bank-a, type: contribution.remitted,
                 occurred_at: 2026-11-09T10:00:00+03:00, attributes: { receipt_nos: [R1] } }
    advance_to: 2026-11-20T00:00:00Z
    expect_no_breaches: [contribution-remittance-t1, amount-positive]
    expect_metrics:
      - 'slawatch_rule_outcomes_total{rule="contribution-remittance-t1",outcome="met"} 1'
"""

FAILING = """\
rule_files: [../rules/rules.yaml]
tests:
  - name: wrong expectations
    events:
      - event: { id: c2, partner: bank-a, type: contribution.collected,
                 occurred_at: 2026-11-06T15:00:00+03:00, attributes: { receipt_no: R2, amount: 0 } }
    expect_breaches:
      - { rule: amount-positive, key: nope }
      - { rule: amount-positive, key: c2 }
    expect_no_breaches: [amount-positive]
    expect_metrics:
      - 'slawatch_breaches_total{rule="amount-positive"} 5'
  - name: right expectations
    events:
      - event: { id: c3, partner: bank-a, type: contribution.collected,
                 occurred_at: 2026-11-06T15:00:00+03:00, attributes: { receipt_no: R3, amount: 0 } }
    expect_breaches:
      - { rule: amount-positive, key: c3, status: closed }
"""

BROKEN = """\
rule_files: [../rules/rules.yaml]
tests:
  - name: misspelt
    expect_breach: []
"""

UNKNOWN_PARTNER = """\
rule_files: [../rules/rules.yaml]
tests:
  - name: unknown partner
    events:
      - event: { id: c4, partner: bank-z, type: contribution.collected, occurred_at: 2026-11-06T15:00:00+03:00 }
"""

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def run(binary, args, cwd):
    p = subprocess.run([binary, "test"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_passing(binary, tmp):
    code, out, err = run(binary, ["tests/passing.yaml"], tmp)
    check(code == 0, "passing file exits 0: %d %s %s" % (code, out, err))
    check(out.splitlines()[-1:] == ["3 passed, 0 failed"], "closing line: %r" % out)
    check("PASS Friday collection is due Monday; a Wednesday remittance closes the breach late" in out, "PASS line: %r" % out)
    # rule_files are relative to the test file, not to the working directory
    code, out, _ = run(binary, [os.path.join(tmp, "tests", "passing.yaml")], "/")
    check(code == 0, "runs from another directory: %d %s" % (code, out))


def test_failing(binary, tmp):
    code, out, err = run(binary, ["tests/failing.yaml"], tmp)
    lines = out.splitlines()
    check(code == 1, "failing file exits 1: %d" % code)
    check(lines[0] == "FAIL wrong expectations", "FAIL line: %r" % lines)
    check("  expected breach {rule: amount-positive, key: nope}: no such breach" in lines, "missing breach diff: %r" % lines)
    check(not any("key: c2}:" in l for l in lines), "the c2 entry matched: %r" % lines)
    check("  expected no breach of rule amount-positive, found 1:" in lines, "no-breach diff: %r" % lines)
    check('  expected metric slawatch_breaches_total{rule="amount-positive"} 5, found 1' in lines, "metric diff: %r" % lines)
    check("  breaches were:" in lines, "breach list: %r" % lines)
    check(any(l.startswith("    {rule: amount-positive, partner: bank-a, key: c2, kind: condition, status: closed")
              for l in lines), "actual breach listed: %r" % lines)
    check("PASS right expectations" in lines, "the next test still runs: %r" % lines)
    check(lines[-1] == "1 passed, 1 failed", "closing line: %r" % lines[-1])


def test_broken(binary, tmp):
    code, out, err = run(binary, ["tests/broken.yaml", "tests/passing.yaml"], tmp)
    check(code == 2, "broken file exits 2: %d" % code)
    check("tests/broken.yaml:4:5: tests[0]: unknown key 'expect_breach' (did you mean 'expect_breaches'?)" in err,
          "position of the unknown key: %r" % err)
    check(out.splitlines()[-1:] == ["3 passed, 0 failed"], "other files still run: %r" % out)
    code, _, err = run(binary, ["tests/unknown_partner.yaml"], tmp)
    check(code == 2 and "tests/unknown_partner.yaml:5:16: event: partner: unknown partner 'bank-z'" in err,
          "unknown partner: %d %r" % (code, err))
    code, _, err = run(binary, ["tests/none.yaml"], tmp)
    check(code == 2 and "tests/none.yaml: cannot read: No such file or directory" in err, "missing file: %r" % err)
    code, _, err = run(binary, [], tmp)
    check(code == 2 and "test needs at least one TEST_FILE" in err, "no file: %r" % err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    tests = (test_passing, test_failing, test_broken)
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "rules"))
        os.makedirs(os.path.join(tmp, "tests"))
        files = {"rules/rules.yaml": RULES, "tests/passing.yaml": PASSING, "tests/failing.yaml": FAILING,
                 "tests/broken.yaml": BROKEN, "tests/unknown_partner.yaml": UNKNOWN_PARTNER}
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        failed = 0
        for t in tests:
            before = len(FAILURES)
            t(binary, tmp)
            failed += len(FAILURES) != before
            print("%s %s" % ("ok" if len(FAILURES) == before else "FAILED", t.__name__), flush=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
