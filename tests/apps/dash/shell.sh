# Exercises dash on its own: the runner feeds this file on stdin, so $0 is
# the dash program, the only program there is in the VM.  Only builtins
# and dash itself run; files go to the working directory, which is empty
# and writable on both sides.  What shellcheck would flag here (unquoted
# $*, subshell-local variables, echo of a substitution) is on purpose.
# shellcheck shell=dash disable=SC2005,SC2016,SC2030,SC2031,SC2048,SC2100,SC2116,SC2154,SC2157
DASH=$0
set -u

trap 'echo "exit trap: status $?"' EXIT

echo "== parameters"
set -- one "two words" three
echo "$#" "$1" "$2" "$3"
for a in "$@"; do printf '[%s]' "$a"; done; echo
for a in $*; do printf '<%s>' "$a"; done; echo
shift
echo "$# $*"
name=nanvix.micro.vm
echo "${#name} ${name#*.} ${name##*.} ${name%.*} ${name%%.*}"
unset maybe
echo "${maybe:-fallback} ${maybe-unset} ${name:+set} ${maybe:=assigned} $maybe"
(: "${nothere?is required}") 2>/dev/null || echo "unset parameter: status $?"
IFS=: read -r first second rest <<EOT
a:b:c:d
EOT
echo "$first|$second|$rest"
old_ifs=$IFS
IFS=,
list="x,y,,z"
set -- $list
echo "$# fields: $*"
IFS=$old_ifs

echo "== arithmetic"
i=7 j=3
echo $((i + j)) $((i - j)) $((i * j)) $((i / j)) $((i % j)) $((-i / j)) $((i << 2)) $((i >> 1))
echo $((i & j)) $((i | j)) $((i ^ j)) $((~i)) $((!0)) $((i > j)) $((i == 7 ? 100 : 200))
echo $((0x1f + 010)) $((1 << 40)) $((9223372036854775807)) $(( (i += 5) * 2 )) $i
n=0
while [ "$n" -lt 10 ]; do n=$((n + 3)); done
echo "n=$n"

echo "== functions"
fact() {
	if [ "$1" -le 1 ]; then echo 1; return; fi
	echo $(($1 * $(fact $(($1 - 1)))))
}
echo "fact 10 = $(fact 10)"
scoped() {
	local v=inner
	v2=global
	echo "in: $v $#:$*"
	return 42
}
v=outer
scoped a b c
echo "status $? v=$v v2=$v2"
fib() {
	local a=0 b=1 k=0 t
	while [ "$k" -lt "$1" ]; do t=$((a + b)); a=$b; b=$t; k=$((k + 1)); done
	echo "$a"
}
echo "fib 50 = $(fib 50)"

echo "== case and loops"
for w in apple Banana 42 x.txt "" -opt; do
	case $w in
	[aA]*) kind=a-word ;;
	[[:upper:]]*) kind=capital ;;
	*[!0-9]*) case $w in *.txt) kind=text ;; -*) kind=option ;; *) kind=other ;; esac ;;
	'') kind=empty ;;
	*) kind=number ;;
	esac
	printf '%s=%s ' "${w:-''}" "$kind"
done
echo
k=0
until [ "$k" -ge 5 ]; do k=$((k + 1)); [ "$k" = 2 ] && continue; printf '%s ' "$k"; done
echo
for x in 1 2 3; do
	for y in a b c; do
		[ "$y" = c ] && continue 2
		[ "$x" = 3 ] && break 2
		printf '%s%s ' "$x" "$y"
	done
done
echo

echo "== command substitution and pipelines"
outer=$(echo "nested $(echo "inner $(printf '%s' deep)")")
echo "$outer"
lines=$(printf 'a\nb\n\n\n')
echo "[$lines]"
printf '%s\n' 3 1 2 | while read -r v; do echo $((v * v)); done |
	{ s=0; while read -r q; do s=$((s + q)); done; echo "sum of squares: $s"; }
! false && echo "negated"
false | true && echo "pipeline status is the last one's"
count=$(k=0; while [ "$k" -lt 5000 ]; do echo "line $k"; k=$((k + 1)); done |
	"$DASH" -c 'n=0; while read -r l; do n=$((n + 1)); done; echo "$n"')
echo "5000 lines through a pipe to a child: $count"

echo "== here-documents"
who=world
cat_heredoc() { while IFS= read -r l; do echo "| $l"; done; }
cat_heredoc <<EOT
hello $who, $((6 * 7)), $(echo subst)
	tab kept \$literal
EOT
cat_heredoc <<'EOT'
quoted: $who $(not run)
EOT
cat_heredoc <<-EOT
	leading tabs stripped
		all of them
	EOT
"$DASH" <<EOT
echo "a child reads its script from a here-document: \$((2 + 2)) $who"
exit 3
EOT
echo "child status $?"

echo "== redirections"
echo first >out.txt
echo second >>out.txt
printf 'third\n' >>out.txt
while read -r l; do printf '%s;' "$l"; done <out.txt
echo
exec 3<out.txt
read -r l1 <&3
read -r l2 <&3
exec 3<&-
echo "fd 3: $l1 $l2"
exec 4>fd4.txt
echo "via fd 4" >&4
echo "again" 1>&4
exec 4>&-
echo "$(while read -r l; do printf '%s+' "$l"; done <fd4.txt)"
{ echo to-stdout; echo to-stderr >&2; } 2>err.txt >std.txt
echo "std: $(read -r x <std.txt; echo "$x") err: $(read -r x <err.txt; echo "$x")"
set -C
(echo clobber >out.txt) 2>/dev/null || echo "noclobber refused"
echo forced >|out.txt
set +C
read -r l <out.txt
echo "after >|: $l"
echo "rw" 1<>rw.txt
read -r l <rw.txt && echo "<>: $l"
k=0
while [ "$k" -lt 1000 ]; do echo "record $k of the file"; k=$((k + 1)); done >big.txt
n=0
while read -r _ num _; do n=$((n + num)); done <big.txt
echo "big file sum: $n"
"$DASH" -c 'echo from child >&2' 2>&1 | while read -r l; do echo "piped stderr: $l"; done

echo "== subshells"
x=parent
(x=child; echo "in subshell x=$x"; exit 7)
echo "subshell status $? x=$x"
(cd / && pwd)
(set -e; false; echo "not reached")
echo "set -e subshell status $?"
(exec "$DASH" -c 'echo "exec replaces the subshell"; exit 9')
echo "exec status $?"
s=$(exit 5)
echo "status of a substitution: $?"
"$DASH" -c 'echo "child args: $0 $1 $2"' zero one two

echo "== background jobs"
"$DASH" -c 'exit 3' &
p1=$!
"$DASH" -c 'exit 4' &
p2=$!
(exit 6) &
p3=$!
wait "$p2"; s2=$?
wait "$p1"; s1=$?
wait "$p3"; s3=$?
echo "statuses $s1 $s2 $s3"
for k in 1 2 3; do echo "job $k" >"job$k.txt" & done
wait
echo "after wait: $(for k in 1 2 3; do read -r l <"job$k.txt"; printf '%s,' "$l"; done)"
"$DASH" -c 'while :; do :; done' &
kill "$!"
wait "$!"
echo "killed busy child: status $?"
"$DASH" -c 'trap "echo child caught TERM; exit 11" TERM; : >ready; while :; do :; done' &
busy=$!
until [ -e ready ]; do :; done
kill -TERM "$busy"
wait "$busy"
echo "child with a trap: status $?"
"$DASH" -c 'kill -KILL $$' ; echo "self-KILLed child: status $?"

echo "== traps"
trap 'echo "caught USR1"' USR1
kill -USR1 $$
echo "after USR1"
trap 'echo "caught HUP"; hups=$((hups + 1))' HUP
hups=0
kill -HUP $$
kill -s HUP $$
echo "hups=$hups"
trap
trap - USR1 HUP
trap '' INT
kill -INT $$
echo "ignored INT"
trap - INT
(trap 'echo "subshell exit trap"' EXIT; echo "in subshell")
"$DASH" -c 'trap "echo child caught its own TERM; exit 12" TERM; kill -TERM $$; echo not reached'
echo "child status $?"

echo "== builtins"
printf '%5s|%-5s|%05d|%x|%o|%c|%b|%%\n' ab cd 42 255 8 xyz 'a\tb'
printf '%s-' a b c d; echo
test 5 -gt 3 -a "x" != "y" && echo "test ok"
[ -z "" ] && [ -n "x" ] && [ ! -e nonexistent ] && [ -f out.txt ] && [ -s big.txt ] && echo "files ok"
command -v echo
type cd
eval 'e1=evaluated; e2=$e1'
echo "$e2"
umask 027
umask
getopts_demo() {
	OPTIND=1
	while getopts "ab:c" opt; do
		case $opt in b) printf 'b=%s ' "$OPTARG" ;; ?) printf '%s ' "$opt" ;; esac
	done
	shift $((OPTIND - 1))
	echo "rest: $*"
}
getopts_demo -a -b val -c file1 file2
alias say='echo said:'
eval 'say hello'
read -r a b <<EOT
  spaced   words  and more
EOT
echo "a=$a b=$b"
cd /
pwd
cd - >/dev/null
echo "$((1 + 1))" | { read -r two; echo "read from a pipe: $two"; }
exit 0
