#!/bin/sh
# Placeholder replaced by the generator test suite.
exit 0
