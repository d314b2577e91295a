-- transform/60_coverage.sql: the views of how much of each run its
-- measurements cover (the table processed_coverage and the rule are in
-- schema/008_coverage.sql). Made by every transform, after 50_sources.sql has
-- made source_energy, which they read: a view on a table that does not exist
-- yet would stop every later ALTER TABLE of the schema.
DROP VIEW IF EXISTS v_run_warning;
DROP VIEW IF EXISTS v_run_coverage;

-- Per run and component: the share of the window covered. The components of
-- energy_j from processed_coverage; every other source of source_energy (a
-- wattmeter socket, a RAPL domain, codecarbon, nvidia-smi) by the span its rows
-- count within the window, or its integrated seconds where it has them (no
-- longest gap is known for those: NULL).
CREATE VIEW v_run_coverage AS
WITH win AS (
  SELECT run_id, start_us, end_us, (end_us - start_us) / 1e6 AS window_s, gpu_energy_j, ram_energy_j
    FROM processed_run WHERE profile = 'default'),
part AS (
  SELECT c.run_id, 'eprof' AS source, c.component, '' AS device, w.window_s, c.samples,
         c.first_us, c.last_us, c.covered_s, c.longest_gap_s,
         CASE c.component WHEN 'gpu' THEN w.gpu_energy_j WHEN 'ram' THEN w.ram_energy_j END AS energy_j
    FROM processed_coverage c JOIN win w ON w.run_id = c.run_id
   WHERE c.profile = 'default'
  UNION ALL
  SELECT e.run_id, e.source, e.component, e.device, w.window_s, e.samples, e.first_us, e.last_us,
         CASE WHEN e.first_us IS NOT NULL THEN
           min(coalesce(e.covered_s, 1e300),
               max(0, (min(e.last_us, w.end_us) - max(e.first_us, w.start_us)) / 1e6)) END,
         NULL, e.energy_j
    FROM source_energy e JOIN win w ON w.run_id = e.run_id
   WHERE e.source <> 'eprof-gpu')
SELECT r.environment, r.architecture, r.dataset, r.stamp, p.run_id, p.source, p.component,
       p.device, p.window_s, p.samples, p.first_us, p.last_us, p.covered_s,
       CASE WHEN p.window_s > 0 THEN p.covered_s / p.window_s END AS share,
       p.longest_gap_s, p.energy_j,
       CASE WHEN p.covered_s > 0 THEN p.energy_j * p.window_s / p.covered_s END AS extrapolated_energy_j
  FROM part p JOIN run r ON r.id = p.run_id;

-- Runs and components to look at: a component of energy_j (or another source of
-- the run) that covers less than coverage_warning_share of the window, or none
-- of it. energy_j of such a run leaves out what was not measured.
CREATE VIEW v_run_warning AS
SELECT environment, architecture, dataset, stamp, run_id, source, component, device,
       CASE WHEN coalesce(covered_s, 0) = 0 THEN 'not measured' ELSE 'partial coverage' END AS what,
       share, covered_s, window_s, longest_gap_s
  FROM v_run_coverage
 WHERE coalesce(share, 0) < coalesce((SELECT value FROM setting WHERE name = 'coverage_warning_share'), 0.95)
   AND window_s > 0;
