-- Reopens the database build.sql left in a file, in a new process: what
-- was committed must be there, and a second round of writes (a bigger
-- transaction, VACUUM) must leave it intact.
.headers on
.mode list
SELECT count(*) AS orders, sum(qty) AS units FROM orders;
SELECT seq, what FROM audit ORDER BY seq;
SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger', 'view') ORDER BY name;
PRAGMA integrity_check;

-- A transaction big enough to spill the page cache into the file.
PRAGMA cache_size = 16;
BEGIN;
CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
INSERT INTO note (id, body) SELECT i, printf('%04d:%.*c', i, 100 + i % 200, 'x') FROM n;
COMMIT;
SELECT count(*) AS notes, sum(length(body)) AS bytes FROM note;

DELETE FROM note WHERE id % 3 = 0;
VACUUM;
SELECT count(*) AS notes, sum(length(body)) AS bytes, max(id) AS last FROM note;
PRAGMA page_count;
PRAGMA integrity_check;
