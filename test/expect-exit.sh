#!/bin/sh
# Usage: expect-exit.sh CODE COMMAND [ARGS...]
# Runs COMMAND, passing its output through, and succeeds only if it exited
# with CODE: lit's `not` accepts any failure, our tools promise specific ones
# (1 bad input, 2 not available yet).
expected=$1
shift
"$@"
actual=$?
if [ "$actual" -ne "$expected" ]; then
  echo "expect-exit: '$1' exited with $actual, expected $expected" >&2
  exit 1
fi
exit 0
