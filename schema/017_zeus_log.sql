-- schema/017_zeus_log.sql: the console output of a run measured with Zeus
-- (ingest/fmt_zeus_log.c, format zeus-log): every line, by kind.
--   log     a record of Zeus' logger, "[%(asctime)s] [%(name)s](%(filename)s:%(lineno)d) %(message)s":
--           ts_us (asctime: naive local, ms), logger ('zeus.monitor.energy'), origin
--           ('energy.py:149'), text (the message)
--   time    "<window> took <seconds> seconds." (printed by the script from a
--           measurement's time): window, value (s)
--   energy  "<window> consumed <joules> Joules." (the measurement's total_energy):
--           window, value (J)
--   text    any other line (the script's own output: losses, accuracy), as written
CREATE TABLE zeus_log_line (
  file_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
  line    INTEGER NOT NULL,
  kind    TEXT NOT NULL CHECK (kind IN ('log', 'time', 'energy', 'text')),
  ts_us   INTEGER,
  logger  TEXT,
  origin  TEXT,
  window  TEXT,
  value   REAL,
  text    TEXT,
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
