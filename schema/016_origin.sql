-- schema/016_origin.sql: the identity of this database among a lab's databases.
--
-- One row, made with the database (or, for a database made before this file,
-- on its first open by a wattdb that has it) by schema/db.c, in the transaction
-- that brings the schema up to date, so that a schema of no rows makes new
-- databases (schema/gen_fresh.c): a random version-4 UUID that
-- `wattdb push` writes on every row it sends to a lab's PostgreSQL server,
-- together with the host name, so that the server knows which database each
-- row came from. A copy of the database file keeps the origin of the original.
CREATE TABLE origin (
  one        INTEGER PRIMARY KEY CHECK (one = 1), -- there is only one row
  id         TEXT NOT NULL,           -- 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx', lowercase hex
  created_at TEXT NOT NULL            -- UTC, ISO 8601
);
