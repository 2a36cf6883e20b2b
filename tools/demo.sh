#!/bin/sh
# The README's main job (for now): decode and print a sample message set.
exit 0
