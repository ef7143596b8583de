#!/bin/sh
# Print ubee's version from the public header.
h=$(dirname "$0")/../include/ubee/ubee.h
v() { sed -n "s/^#define UBEE_VERSION_$1 //p" "$h"; }
echo "$(v MAJOR).$(v MINOR).$(v PATCH)"
