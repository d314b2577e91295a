-- transform/70_power.sql: v_power, every power reading of every source on one
-- time axis, so that a notebook plots any sources of a run together. Made by
-- every transform, after 50_sources.sql (whose tables it reads: source_attach,
-- source_file_offset, source_powermetrics_sample, source_aipowermeter_interval).
--
-- One row per reading: the run it belongs to (or the session: a file that
-- overlaps no run, run_id NULL), the file, the source and component as
-- source_energy names them, the device (GPU, socket, cluster, process, '' for
-- a single one), ts_us on the runs' naive local clock (UTC sources shifted by
-- their file's offset, as for source_energy), and power_w. Only readings
-- source_energy integrates: inside the attachment's window, not NULL,
-- wattmeter frames that are good and sockets the file has, the powermetrics
-- line of each component a sample counts (from a plist, the sample's own
-- energy over its elapsed time where it gives one, as source_energy counts
-- it, else its power). A reading of an instant is at that instant; a
-- powermetrics sample or an AIPowerMeter record, a mean over its elapsed time
-- (the record's: since the previous one), is at the middle of that time.
-- Zeus monitor windows and perf counters hold energies, not power readings,
-- and codecarbon one total per run: they are not here.
DROP VIEW IF EXISTS v_power;
CREATE VIEW v_power AS
  SELECT f.run_id, NULL AS session_file_id, g.file_id, 'eprof-gpu' AS source, 'gpu' AS component,
         '' AS device, g.ts_us, g.power_w
  FROM eprof_gpu_sample g JOIN source_file f ON f.id = g.file_id
  WHERE f.run_id IS NOT NULL AND f.status IN ('ok', 'partial') AND g.power_w IS NOT NULL
  UNION ALL
  SELECT a.run_id, a.session_file_id, n.file_id, 'nvidia-smi', 'gpu', n.gpu, n.ts_us, n.power_w
  FROM source_attach a JOIN nvidia_smi_sample n ON n.file_id = a.file_id
  WHERE a.block = 0 AND n.power_w IS NOT NULL AND n.ts_us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, w.file_id, 'wattmeter', 'wall', CAST(w.socket AS TEXT),
         w.ts_us + o.us, w.power_w
  FROM source_attach a JOIN source_file_offset o ON o.file_id = a.file_id
  JOIN wattmeter_file wf ON wf.file_id = a.file_id
  JOIN wattmeter_socket w ON w.file_id = a.file_id
  WHERE a.block = 0 AND w.ok AND w.power_w IS NOT NULL AND w.socket <= wf.sockets
    AND w.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, z.file_id, 'zeus-power', 'gpu', '', z.ts_us + o.us, z.power_w
  FROM source_attach a JOIN source_file_offset o ON o.file_id = a.file_id
  JOIN zeus_power_sample z ON z.file_id = a.file_id
  WHERE a.block = 0 AND z.power_w IS NOT NULL AND z.ts_us + o.us BETWEEN a.win_start_us AND a.win_end_us
  UNION ALL
  SELECT a.run_id, a.session_file_id, p.file_id, 'powerjoular', c.component, coalesce(pf.target, ''),
         p.ts_us, CASE c.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                                   ELSE p.gpu_power_w END
  FROM source_attach a JOIN powerjoular_sample p ON p.file_id = a.file_id
  LEFT JOIN powerjoular_file pf ON pf.file_id = p.file_id
  CROSS JOIN (SELECT 'total' AS component UNION ALL SELECT 'cpu' UNION ALL SELECT 'gpu') c
  WHERE a.block = 0 AND p.ts_us BETWEEN a.win_start_us AND a.win_end_us
    AND CASE c.component WHEN 'total' THEN p.total_power_w WHEN 'cpu' THEN p.cpu_power_w
                         ELSE p.gpu_power_w END IS NOT NULL
  UNION ALL
  SELECT a.run_id, a.session_file_id, s.file_id, 'powermetrics', w.component, w.device,
         s.b_us - s.elapsed_us / 2, coalesce(w.energy_j * 1e6 / s.elapsed_us, w.power_w)
  FROM source_attach a JOIN source_powermetrics_sample s ON s.file_id = a.file_id
  JOIN powermetrics_power w ON w.file_id = s.file_id AND w.sample_line = s.line AND w.counted = 1
  WHERE a.block = 0 AND w.component <> 'other' AND (w.power_w IS NOT NULL OR w.energy_j IS NOT NULL)
    AND (a.how <> 'overlap' OR s.b_us BETWEEN a.win_start_us AND a.win_end_us)
  UNION ALL
  SELECT a.run_id, a.session_file_id, i.file_id, 'aipowermeter', p.component, '',
         i.ts_us - i.dt_us / 2, p.power_w
  FROM source_attach a JOIN source_aipowermeter_interval i ON i.file_id = a.file_id
  JOIN aipowermeter_power p ON p.file_id = i.file_id AND p.line = i.line
  WHERE a.block = 0 AND i.ts_us BETWEEN a.win_start_us AND a.win_end_us AND p.power_w IS NOT NULL;
