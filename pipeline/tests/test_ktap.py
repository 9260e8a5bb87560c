"""Unit tests of ktap.py: how console logs turn into pass/fail counts."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import ktap  # noqa: E402

KUNIT_OK = """\
[    1.000000] Xen: booting
KTAP version 1
1..2
    KTAP version 1
    # Subtest: list-kernel-test
    1..3
    ok 1 list_test_list_init
    ok 2 list_test_list_add
    ok 3 list_test_list_del # SKIP needs memory
ok 1 list-kernel-test
    KTAP version 1
    # Subtest: param
    1..1
        KTAP version 1
        # Subtest: param_case
        ok 1 one
        ok 2 two
    ok 1 param_case
ok 2 param
"""


def counts_of(text):
    counts = ktap.Counts()
    for doc in ktap.parse(text.splitlines(True)):
        ktap.count(doc, "", counts)
    return counts


class KtapTest(unittest.TestCase):
    def test_nested_results_count_leaves(self):
        c = counts_of(KUNIT_OK)
        self.assertEqual((c.passed, c.failed, c.skipped), (4, 0, 1))

    def test_failing_leaf_is_named(self):
        c = counts_of(KUNIT_OK.replace("    ok 2 list_test_list_add",
                                       "    not ok 2 list_test_list_add"))
        self.assertEqual((c.passed, c.failed), (3, 1))
        self.assertIn("list-kernel-test.list_test_list_add: failed", c.failures)

    def test_crash_mid_suite_counts_missing_results(self):
        text = "\n".join(KUNIT_OK.splitlines()[:7]) + "\nBUG: kernel NULL pointer\n"
        c = counts_of(text)
        # 1 of 3 cases printed, then the top-level plan of 2 is unfinished.
        self.assertEqual(c.passed, 1)
        self.assertGreaterEqual(c.failed, 2)

    def test_crash_names_the_open_subtest(self):
        c = counts_of("KTAP version 1\n1..1\n    # Subtest: prog\n"
                      "    TAP version 13\n    1..2\n    ok 1 works\n")
        self.assertEqual((c.passed, c.failed), (1, 1))
        self.assertEqual(c.failures, ["prog: 2 results planned, 1 printed"])

    def test_failed_parent_without_failed_children_fails(self):
        text = ("KTAP version 1\n1..1\n    # Subtest: prog\n"
                "    TAP version 13\n    1..1\n    ok 1 works\n"
                "not ok 1 prog # exit=1\n")
        c = counts_of(text)
        self.assertEqual((c.passed, c.failed), (1, 1))
        self.assertIn("prog: failed", c.failures)

    def test_program_with_no_output_is_a_leaf(self):
        c = counts_of("KTAP version 1\n1..2\n    # Subtest: a\nok 1 a\n"
                      "    # Subtest: b\nnot ok 2 b # exit=139\n")
        self.assertEqual((c.passed, c.failed), (1, 1))

    def test_console_prefixes_and_carriage_returns(self):
        text = "\r\n".join("(d0) " + line for line in KUNIT_OK.splitlines())
        c = counts_of(text)
        self.assertEqual((c.passed, c.failed, c.skipped), (4, 0, 1))

    def test_two_documents_add_up(self):
        c = counts_of(KUNIT_OK + "tmem-vm: init\nKTAP version 1\n1..1\nok 1 x\n")
        self.assertEqual(c.passed, 5)

    def test_cli_exit_status_and_summary(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "log")
            script = os.path.join(os.path.dirname(__file__), "..", "ktap.py")
            for text, rc, line in ((KUNIT_OK, 0, "t: 4 passed, 0 failed, 1 skipped"),
                                   ("no results here\n", 1, "t: 0 passed, 1 failed, 0 skipped")):
                with open(log, "w") as f:
                    f.write(text)
                p = subprocess.run([sys.executable, script, "--label", "t", log],
                                   capture_output=True, text=True)
                self.assertEqual(p.returncode, rc)
                self.assertEqual(p.stdout.splitlines()[-1], line)


if __name__ == "__main__":
    unittest.main()
