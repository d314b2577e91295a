-- transform/00_prepare.sql: the tables the transform pipeline (pipeline.c; its
-- sums from gaissa.c and integrate.c, written by emit.c) writes its per-run sums
-- into. Runs before the pipeline; the NN_*.sql files after it turn the sums into
-- processed_run rows (10_gaissa.sql, 20_default.sql) and read the per-file facts
-- (50_sources.sql). The processed_epoch rows are written by the pipeline
-- directly.
--
-- Column names are those of the SQL that computed them before, so the final
-- INSERTs of 10_gaissa.sql and 20_default.sql read as they did. NULL where SQL
-- would have had NULL (a sum or mean over no non-NULL value). Key columns are
-- declared INTEGER: a join between an INTEGER column and an untyped one cannot
-- use the untyped side's index (the comparison applies INTEGER affinity), which
-- made every span lookup a scan.

-- gaissa, per run (only runs that keep a sample): counts, sums and means of the
-- kept samples (watts etc. floored; cpu, rss, r = RAM power in float32), the
-- trapezoid energies, and the sums of squared deviations from the means.
DROP TABLE IF EXISTS temp.tf_gm;
CREATE TEMP TABLE tf_gm (
  run_id INTEGER PRIMARY KEY, n, t0, t1, max_epoch, su, au, smu, amu, amem, sp, ap, lim0, atemp,
  acpu32, arss32, ar32, nr, egpu, eram, dmem, dp, dtemp, dcpu, drss, dr
);

-- default, per run: the sums of 20_default.sql's processed_run row. The GPU
-- series (cov = covered seconds, e = ∫ power, e2 = ∫ power², ui/ucov usage,
-- mui/mucov memory usage, mi/m2i/mcov memory used, ci/c2i/ccov temperature) and
-- the CPU series (c_cov, ri/r2i RSS MB, c_ci/c_c2i/c_ccov CPU usage): each the
-- sum over the run's spans, in span order, of the per-span integrals; n and
-- nnull the GPU samples with and without power inside the window, lim the first
-- power limit reading, measured the epochs with covered time.
DROP TABLE IF EXISTS temp.tf_dm;
CREATE TEMP TABLE tf_dm (
  run_id INTEGER PRIMARY KEY, cov, e, e2, ui, ucov, mui, mucov, mi, m2i, mcov, ci, c2i, ccov,
  c_cov, ri, r2i, c_ci, c_c2i, c_ccov, n, nnull, lim, measured
);
-- per run: GPU samples whose power is NULL ([N/A]).
DROP TABLE IF EXISTS temp.tf_nnull;
CREATE TEMP TABLE tf_nnull (run_id INTEGER PRIMARY KEY, n);

-- The per-epoch rows of both profiles are written into processed_epoch by the
-- pipeline itself (emit.c), so the old ones go first.
DELETE FROM processed_epoch WHERE (run_id, profile) IN (SELECT run_id, profile FROM tf_dirty);
DELETE FROM processed_coverage WHERE (run_id, profile) IN (SELECT run_id, profile FROM tf_dirty);
