#!/bin/sh
# A shell script as real ones are: pipelines, command substitution, loops,
# redirections, functions, here-documents and a trap.
set -e
trap 'echo "trap: exit $?"' EXIT
n=$(seq 1 5 | wc -l)
echo "lines: $n"
for i in $(seq 1 3); do echo "item $i"; done > tmp/out.txt
cat tmp/out.txt | tr a-z A-Z | sort -r
echo "appended" >> tmp/out.txt
wc -l < tmp/out.txt
i=0
while [ "$i" -lt 4 ]; do i=$((i + 1)); done
echo "i=$i"
square() { echo $(($1 * $1)); }
echo "square: $(square 7)"
grep -c item tmp/out.txt
x=`echo back quoted | sed 's/back/BACK/'`
echo "$x"
cat <<END | head -2
here 1
here 2
here 3
END
echo "to stderr" 1>&2 2>/dev/null
{ echo one; echo two; } | while read -r w; do printf '<%s>' "$w"; done
echo
case "$n" in 5) echo "case: five" ;; *) echo "case: other" ;; esac
./hello.sh from script
rm tmp/out.txt
[ ! -e tmp/out.txt ] && echo "removed"
