# Three sqlite3 processes write to one database file at once, each in 100
# short transactions, while dash waits for them: SQLite's record locks
# (fcntl F_SETLK) must keep them apart, so no update is lost and the file
# stays sound.  Run by dash reading this on stdin, in an empty writable
# directory, with SQLITE naming the sqlite3 program.
# shellcheck shell=dash
S=${SQLITE:?}
set -u

sql() { "$S" -init /dev/null -batch shared.db "$@"; }

sql "CREATE TABLE counter (v INTEGER NOT NULL);
INSERT INTO counter VALUES (0);
CREATE TABLE hit (writer TEXT NOT NULL, n INTEGER NOT NULL, seen INTEGER NOT NULL);"

# writer NAME: 100 transactions, each reading the counter and writing it
# back one higher; a busy database is retried for up to a minute.
writer() {
	k=0
	{
		echo ".timeout 60000"
		while [ "$k" -lt 100 ]; do
			echo "BEGIN IMMEDIATE;"
			echo "INSERT INTO hit SELECT '$1', $k, v FROM counter;"
			echo "UPDATE counter SET v = v + 1;"
			echo "COMMIT;"
			k=$((k + 1))
		done
	} | sql
}

writer a &
pa=$!
writer b &
pb=$!
writer c &
pc=$!
wait "$pa"; sa=$?
wait "$pb"; sb=$?
wait "$pc"; sc=$?
echo "writers: $sa $sb $sc"

sql "SELECT v AS counter FROM counter;
SELECT writer, count(*), sum(n) FROM hit GROUP BY writer ORDER BY writer;
SELECT count(DISTINCT seen) AS distinct_values, min(seen), max(seen) FROM hit;
PRAGMA integrity_check;"
