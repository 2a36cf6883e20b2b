#!/usr/bin/env python3
"""Tests of conformance/extract-requirements.py.

Usage: extract_test.py EXTRACTOR.py TABLE.tsv

1. A small text in the RFC's plain-text layout: a table of contents, page
   breaks (footer, form feed, header) in the middle of a sentence, line
   wrapping, a hyphen at a line end, a bullet list, quoted keywords (not
   requirements), an appendix.
2. The committed table: known sentences of RFC 6940 with their IDs.
"""

import importlib.util
import sys
import unittest

SAMPLE = """\
Internet Engineering Task Force (IETF)                       A. Author
Request for Comments: 9999                                       Example

Table of Contents

   1.  Introduction ................................................  2
   2.  Rules ...................................................... 2

1.  Introduction

   The key words "MUST", "MUST NOT", and "SHOULD" in this document are
   to be interpreted as described in RFC 2119.

2.  Rules

   A node MUST check the TTL (time-
   to-live) of every message.  It SHOULD NOT forward a message whose
   TTL is zero, e.g. one that went around a loop.  Nothing here is
   normative.

   A message that crosses the page, as this one does, MUST be joined



Author                       Standards Track                    [Page 1]
\f
RFC 9999                       Sample                       January 2014


   into one sentence by the extractor.

   o  Implementations SHOULD log errors.

   o  They MUST NOT crash.

2.1.  Details

   It is RECOMMENDED that the value be 100.

Appendix A.  Alternatives

A.1.  Iterative

   Iterative routing SHALL NOT be used.
"""


def load(path):
    spec = importlib.util.spec_from_file_location("extract_requirements", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Sample(unittest.TestCase):
    def setUp(self):
        self.rows = EXTRACTOR.extract(SAMPLE, "RFC9999")
        self.by_id = {r[0]: r for r in self.rows}

    def test_ids_and_levels(self):
        self.assertEqual(
            [(r[0], r[2]) for r in self.rows],
            [("RFC9999-2-1", "MUST"), ("RFC9999-2-2", "SHOULD NOT"),
             ("RFC9999-2-3", "MUST"), ("RFC9999-2-4", "SHOULD"),
             ("RFC9999-2-5", "MUST NOT"), ("RFC9999-2.1-1", "RECOMMENDED"),
             ("RFC9999-A.1-1", "SHALL NOT")])

    def test_quoted_keywords_are_not_requirements(self):
        self.assertFalse([r for r in self.rows if r[1] == "1"])

    def test_hyphen_at_line_end_joins(self):
        self.assertEqual(self.by_id["RFC9999-2-1"][5],
                         "A node MUST check the TTL (time-to-live) of every message.")

    def test_abbreviation_does_not_end_a_sentence(self):
        self.assertEqual(self.by_id["RFC9999-2-2"][5],
                         "It SHOULD NOT forward a message whose TTL is zero, "
                         "e.g. one that went around a loop.")

    def test_page_break_inside_a_sentence(self):
        self.assertEqual(self.by_id["RFC9999-2-3"][5],
                         "A message that crosses the page, as this one does, "
                         "MUST be joined into one sentence by the extractor.")

    def test_bullets_are_their_own_sentences(self):
        self.assertEqual(self.by_id["RFC9999-2-4"][5], "Implementations SHOULD log errors.")
        self.assertEqual(self.by_id["RFC9999-2-5"][5], "They MUST NOT crash.")

    def test_section_titles(self):
        self.assertEqual(self.by_id["RFC9999-2.1-1"][4], "Details")
        self.assertEqual(self.by_id["RFC9999-A.1-1"][4], "Iterative")


class Table(unittest.TestCase):
    def setUp(self):
        self.rows = {}
        with open(TABLE, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or line.startswith("id\t"):
                    continue
                fields = line.rstrip("\n").split("\t")
                self.assertEqual(len(fields), 6, line)
                self.assertNotIn(fields[0], self.rows, "duplicate ID")
                self.rows[fields[0]] = fields

    def test_size(self):
        self.assertGreater(len(self.rows), 400)

    def test_ttl_rule(self):
        r = self.rows["RFC6940-6.3.2-8"]
        self.assertEqual(r[1:5], ["6.3.2", "MUST", "MUST", "Forwarding Header"])
        self.assertEqual(r[5], "Implementations which receive messages with a TTL greater "
                               "than the current value of initial-ttl (or the default of "
                               "100) MUST discard the message and send an "
                               "Error_TTL_Exceeded error.")

    def test_ttl_sentence_with_two_keywords(self):
        r = self.rows["RFC6940-6.3.2-7"]
        self.assertEqual(r[2:4], ["MUST NOT", "SHOULD,MUST NOT"])

    def test_via_list_rule(self):
        # The sentence runs over a page break in the RFC (page 39/40).
        r = self.rows["RFC6940-6.1.2-7"]
        self.assertEqual(r[5], "A node receiving a request from another node MUST ensure "
                               "that any response to that request exits that node with a "
                               "Destination List equal to the concatenation of the Node-ID "
                               "of the node from which the request was received with the "
                               "Via List in the original request.")
        r = self.rows["RFC6940-6.1.2-2"]
        self.assertTrue(r[5].endswith("(according to the Topology Plug-in) for the first "
                                      "entry on the Destination List."))

    def test_requirements_language_section_has_none(self):
        self.assertFalse([k for k in self.rows if k.startswith("RFC6940-2-")])


if __name__ == "__main__":
    EXTRACTOR = load(sys.argv[1])
    TABLE = sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=1)
