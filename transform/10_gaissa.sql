-- transform/10_gaissa.sql: the 'gaissa' profile, the replication package's
-- per-run (§4.1) and per-epoch (§4.4) aggregation, for the runs in tf_dirty.
--
-- The samples are interim_sample rows with gaissa = 1 (align.c already applied
-- skipfooter=3, the ±1 s nearest join followed by dropna, and the tail cut at the
-- last epoch end). Here: values truncated to their first digit run (floor, as
-- measure2float does for these non-negative readings), usage as a fraction,
-- elapsed seconds from the first kept sample, trapezoid integration, sample means
-- and ddof=1 standard deviations, RAM power = RSS MB × 3.75e-4 W, working time =
-- Σ usage × 1 s (the anchor's 1 Hz assumption), and the anchor's float32 columns
-- (RSS, CPU usage, RAM power) rounded to float32 (f32()) and averaged the way
-- numpy does in float32 (f32_mean(), see transform.c).

DELETE FROM processed_run WHERE profile = 'gaissa'
  AND run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa');
DELETE FROM processed_epoch WHERE profile = 'gaissa'
  AND run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa');

DROP TABLE IF EXISTS temp.tf_g;
CREATE TEMP TABLE tf_g AS
SELECT run_id, seq, ts_us, x, epoch, p, u, mu, mem, lim, temp, cpu, rss, r,
       x - lag(x) OVER w AS dx, (p + lag(p) OVER w) / 2 AS pm, (r + lag(r) OVER w) / 2 AS rm,
       first_value(lim) OVER w AS lim0
FROM (SELECT s.run_id, s.seq, s.ts_us, (s.ts_us - i.gaissa_start_us) / 1e6 AS x,
             CASE WHEN s.epoch IS NULL THEN NULL WHEN s.span = 0 THEN 0 ELSE s.epoch END AS epoch,
             floor(s.power_w) AS p, floor(s.gpu_util_pct) / 100.0 AS u,
             floor(s.mem_util_pct) / 100.0 AS mu, floor(s.mem_used_mib) AS mem,
             floor(s.power_limit_w) AS lim, floor(s.gpu_temp_c) AS temp,
             f32(s.cpu_pct) AS cpu, f32(s.rss_mb) AS rss, f32(f32(s.rss_mb) * f32(3.75e-4)) AS r
      FROM interim_sample s JOIN interim_run i USING (run_id)
      WHERE s.gaissa = 1 AND s.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa'))
WINDOW w AS (PARTITION BY run_id ORDER BY seq);

-- Two passes: means first, then the sums of squared deviations (ddof = 1).
DROP TABLE IF EXISTS temp.tf_gm;
CREATE TEMP TABLE tf_gm AS
SELECT run_id, count(*) AS n, min(ts_us) AS t0, max(ts_us) AS t1, max(epoch) AS max_epoch,
       sum(u) AS su, avg(u) AS au, sum(mu) AS smu, avg(mu) AS amu, avg(mem) AS amem,
       sum(p) AS sp, avg(p) AS ap, min(lim0) AS lim0, avg(temp) AS atemp, avg(cpu) AS acpu,
       avg(rss) AS arss, avg(r) AS ar, f32_mean(cpu, seq) AS acpu32, f32_mean(rss, seq) AS arss32,
       f32_mean(r, seq) AS ar32, count(r) AS nr,
       sum(dx * pm) AS egpu, sum(dx * rm) AS eram
FROM tf_g GROUP BY run_id;

INSERT INTO processed_run(run_id, profile, n_samples, start_us, end_us, duration_s,
  measured_epochs, trained_epochs, gpu_model, gpu_working_time_s, gpu_usage_pct,
  gpu_memory_working_time_s, gpu_memory_usage_pct, avg_gpu_memory_used_mib,
  std_gpu_memory_used_mib, total_power_w, avg_gpu_power_w, std_gpu_power_w, max_power_limit_w,
  avg_gpu_temp_c, std_gpu_temp_c, avg_cpu_usage_pct, std_cpu_usage_pct, avg_ram_used_mb,
  std_ram_used_mb, avg_ram_power_w, std_ram_power_w, total_ram_gb, gpu_energy_j, ram_energy_j,
  energy_j, sampling_period_s, uncovered_s, null_power_samples)
SELECT m.run_id, 'gaissa', m.n, m.t0, m.t1, (m.t1 - m.t0) / 1e6,
       COALESCE(m.max_epoch, 0), i.n_epoch_ends, i.gpu_model,
       m.su, m.au * 100, m.smu, m.amu * 100,
       m.amem, sqrt(d.dmem / (m.n - 1)), m.sp, m.ap, sqrt(d.dp / (m.n - 1)), m.lim0,
       m.atemp, sqrt(d.dtemp / (m.n - 1)), m.acpu32, f32(sqrt(d.dcpu / (m.n - 1))),
       m.arss32, f32(sqrt(d.drss / (m.n - 1))), m.ar32, f32(sqrt(d.dr / (m.n - 1))),
       i.total_ram_gb,
       COALESCE(m.egpu, 0), CASE WHEN m.nr = m.n THEN COALESCE(m.eram, 0) END,
       COALESCE(m.egpu, 0) + CASE WHEN m.nr = m.n THEN COALESCE(m.eram, 0) END,
       i.gpu_period_s, NULL,
       (SELECT count(*) FROM interim_sample s WHERE s.run_id = m.run_id AND s.power_w IS NULL)
FROM tf_gm m JOIN interim_run i USING (run_id)
JOIN (SELECT g.run_id,
             sum((g.mem - a.amem) * (g.mem - a.amem)) AS dmem, sum((g.p - a.ap) * (g.p - a.ap)) AS dp,
             sum((g.temp - a.atemp) * (g.temp - a.atemp)) AS dtemp,
             sum((g.cpu - a.acpu) * (g.cpu - a.acpu)) AS dcpu,
             sum((g.rss - a.arss) * (g.rss - a.arss)) AS drss, sum((g.r - a.ar) * (g.r - a.ar)) AS dr
      FROM tf_g g JOIN tf_gm a USING (run_id) GROUP BY g.run_id) d USING (run_id);

-- Runs the profile was asked for but that keep no sample: a row saying so.
INSERT INTO processed_run(run_id, profile, n_samples, measured_epochs, trained_epochs, gpu_model,
  total_ram_gb, sampling_period_s, null_power_samples)
SELECT i.run_id, 'gaissa', 0, 0, i.n_epoch_ends, i.gpu_model, i.total_ram_gb, i.gpu_period_s,
       (SELECT count(*) FROM interim_sample s WHERE s.run_id = i.run_id AND s.power_w IS NULL)
FROM interim_run i
WHERE i.run_id IN (SELECT run_id FROM tf_dirty WHERE profile = 'gaissa')
  AND i.run_id NOT IN (SELECT run_id FROM tf_gm);

-- §4.4: epoch k >= 1 starts with a copy of the last sample of epoch k-1 (the
-- boundary duplication), so each interval belongs to the epoch of its right end
-- and the copy counts in the epoch's mean. Duration from the epoch_end file:
-- end(k) - end(k-1), the first epoch from the first kept sample.
INSERT INTO processed_epoch(run_id, profile, epoch, n_samples, duration_s, mean_gpu_power_w,
  mean_ram_power_w, gpu_energy_j, ram_energy_j, energy_j)
WITH last AS (SELECT run_id, epoch, max(seq) AS seq FROM tf_g WHERE epoch IS NOT NULL
              GROUP BY run_id, epoch),
rows AS (SELECT run_id, epoch, seq, x, p, r FROM tf_g WHERE epoch IS NOT NULL
         UNION ALL
         SELECT g.run_id, g.epoch + 1, g.seq, g.x, g.p, g.r
         FROM tf_g g JOIN last l USING (run_id, epoch, seq) JOIN tf_gm m USING (run_id)
         WHERE g.epoch < m.max_epoch),
w AS (SELECT run_id, epoch, seq, p, r, x - lag(x) OVER win AS dx,
             (p + lag(p) OVER win) / 2 AS pm, (r + lag(r) OVER win) / 2 AS rm
      FROM rows WINDOW win AS (PARTITION BY run_id, epoch ORDER BY seq)),
e AS (SELECT run_id, epoch, count(*) AS n, avg(p) AS ap, f32_mean(r, seq) AS ar,
             COALESCE(sum(dx * pm), 0) AS eg, COALESCE(sum(dx * rm), 0) AS er, count(r) AS nr
      FROM w GROUP BY run_id, epoch)
SELECT e.run_id, 'gaissa', e.epoch, e.n,
       (sp.end_us - CASE WHEN sp.span = 0 THEN i.gaissa_start_us ELSE sp.start_us END) / 1e6,
       e.ap, e.ar, e.eg, CASE WHEN e.nr = e.n THEN e.er END,
       e.eg + CASE WHEN e.nr = e.n THEN e.er END
FROM e JOIN interim_run i USING (run_id)
JOIN interim_span sp ON sp.run_id = e.run_id
 AND sp.span = (SELECT min(s2.span) FROM interim_span s2
                WHERE s2.run_id = e.run_id AND s2.epoch = e.epoch);

DROP TABLE temp.tf_g;
DROP TABLE temp.tf_gm;
