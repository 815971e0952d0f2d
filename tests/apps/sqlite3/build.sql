-- Builds a small shop database and queries it: tables, a transaction,
-- indexes, joins, aggregates, a view, triggers, update and delete, and an
-- integrity check at the end.  Rows come from recursive CTEs, so the
-- output depends on nothing but SQLite.
.headers on
.mode list
PRAGMA foreign_keys = ON;

CREATE TABLE customer (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	city TEXT NOT NULL
);
CREATE TABLE product (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL UNIQUE,
	price_cents INTEGER NOT NULL CHECK (price_cents > 0),
	stock INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE orders (
	id INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customer(id),
	product_id INTEGER NOT NULL REFERENCES product(id),
	qty INTEGER NOT NULL,
	day INTEGER NOT NULL
);
CREATE TABLE audit (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	what TEXT NOT NULL
);

BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO customer (id, name, city)
SELECT i, 'customer-' || printf('%03d', i),
       CASE i % 4 WHEN 0 THEN 'Lisbon' WHEN 1 THEN 'Oslo' WHEN 2 THEN 'Quito' ELSE 'Hanoi' END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
INSERT INTO product (id, title, price_cents, stock)
SELECT i, 'item-' || char(64 + i), 100 + (i * 37) % 900, (i * 13) % 50 FROM n;

-- 400 orders with a deterministic, uneven spread of customers, products and days.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
INSERT INTO orders (id, customer_id, product_id, qty, day)
SELECT i, 1 + (i * i * 7 + i * 3) % 61 % 60, 1 + (i * i * 5 + i * 11) % 29 % 25,
       1 + (i * 17) % 7 % 5, 1 + (i * i + i * 3) % 31 % 30 FROM n;
COMMIT;

CREATE INDEX orders_by_customer ON orders (customer_id);
CREATE INDEX orders_by_product_day ON orders (product_id, day);

SELECT count(*) AS customers FROM customer;
SELECT count(*) AS products, sum(stock) AS stock FROM product;
SELECT count(*) AS orders, sum(qty) AS units, min(day) AS first, max(day) AS last FROM orders;

-- The index answers this one.
EXPLAIN QUERY PLAN SELECT * FROM orders WHERE customer_id = 5;

CREATE VIEW revenue AS
SELECT c.city, p.title, sum(o.qty * p.price_cents) AS cents, count(*) AS n
FROM orders o
JOIN customer c ON c.id = o.customer_id
JOIN product p ON p.id = o.product_id
GROUP BY c.city, p.title;

SELECT city, sum(cents) AS cents, sum(n) AS orders FROM revenue GROUP BY city ORDER BY city;
SELECT title, sum(cents) / 100.0 AS euros FROM revenue
GROUP BY title ORDER BY euros DESC, title LIMIT 5;

-- Customers without an order, and the busiest ones.
SELECT count(*) AS idle FROM customer c
WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);
SELECT c.name, count(o.id) AS n, group_concat(DISTINCT o.day) AS days
FROM customer c LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id ORDER BY n DESC, c.name LIMIT 4;

SELECT day, sum(qty) AS units, round(avg(qty), 3) AS mean
FROM orders GROUP BY day HAVING sum(qty) > 48 ORDER BY day;

-- Window functions over the daily totals.
SELECT day, units, sum(units) OVER (ORDER BY day) AS running,
       rank() OVER (ORDER BY units DESC) AS place
FROM (SELECT day, sum(qty) AS units FROM orders GROUP BY day)
WHERE day <= 8 ORDER BY day;

-- Triggers keep the stock and an audit trail.
CREATE TRIGGER take_stock AFTER INSERT ON orders
BEGIN
	UPDATE product SET stock = stock - NEW.qty WHERE id = NEW.product_id;
	INSERT INTO audit (what) VALUES ('order ' || NEW.id || ' took ' || NEW.qty);
END;
CREATE TRIGGER log_price AFTER UPDATE OF price_cents ON product
WHEN OLD.price_cents <> NEW.price_cents
BEGIN
	INSERT INTO audit (what)
	VALUES (NEW.title || ': ' || OLD.price_cents || ' -> ' || NEW.price_cents);
END;

BEGIN;
INSERT INTO orders (id, customer_id, product_id, qty, day) VALUES (401, 3, 2, 4, 31);
INSERT INTO orders (id, customer_id, product_id, qty, day) VALUES (402, 4, 2, 1, 31);
UPDATE product SET price_cents = price_cents + 50 WHERE id IN (2, 3);
UPDATE product SET price_cents = price_cents WHERE id = 4;
COMMIT;

-- A transaction rolled back leaves nothing behind.
BEGIN;
DELETE FROM orders WHERE day = 31;
ROLLBACK;
SELECT count(*) AS day31 FROM orders WHERE day = 31;

SELECT id, title, price_cents, stock FROM product WHERE id <= 4 ORDER BY id;
SELECT seq, what FROM audit ORDER BY seq;

-- Constraints hold: rows that break CHECK or UNIQUE are ignored.
INSERT OR IGNORE INTO product (title, price_cents) VALUES ('free', 0);
INSERT OR IGNORE INTO product (title, price_cents) VALUES ('item-A', 10);
SELECT changes() AS changed, count(*) AS products FROM product;

DELETE FROM orders WHERE qty = 5 AND day > 20;
SELECT changes() AS deleted, count(*) AS left FROM orders;
UPDATE customer SET city = upper(city) WHERE id % 10 = 0;
SELECT city, count(*) AS n FROM customer GROUP BY city ORDER BY city;

-- Strings, numbers and NULLs through the shell's output modes.
.mode box
SELECT 7 / 2 AS idiv, 7 / 2.0 AS fdiv, 1e300 * 10 AS big, -0.0 AS negzero,
       NULL AS empty, typeof(3.0) AS t, hex('nanvix') AS hex,
       substr('differential', 5, 6) AS sub, replace('a-b-c', '-', '+') AS rep;
.mode csv
SELECT name, city FROM customer WHERE id BETWEEN 9 AND 12 ORDER BY id;
.mode list

SELECT json_object('orders', count(*), 'units', sum(qty)) AS summary FROM orders;
PRAGMA integrity_check;
PRAGMA foreign_key_check;
