#!/bin/sh
echo "hello.sh: $0 $*"
