/* fuzz/paths.h: where the per-format fuzz target (fuzz/fuzz_format.c) writes its
 * input, by format, so that the regression suite (tests/test_fuzz_regressions.c)
 * ingests a saved crash from the same path. Eprof run files lie in a
 * raw/{env}/{arch}/{dataset}/ folder so that the run bookkeeping is exercised. */
#ifndef WATTDB_FUZZ_PATHS_H
#define WATTDB_FUZZ_PATHS_H

#include <string.h>

/* The path, relative to a scratch folder, of a file of format NAME. */
static inline const char *fuzz_path_for(const char *name) {
  static const char *const paths[][2] = {
      {"eprof-gpu", "raw/lab/net/ds/gpu-power-20240101T000000.csv"},
      {"eprof-cpu", "raw/lab/net/ds/cpu-mem-usage-20240101T000000.csv"},
      {"eprof-epoch", "raw/lab/net/ds/epoch_end-20240101T000000.csv"},
      {"keras-history", "raw/lab/net/ds/performance-20240101T000000.csv"},
      {"eprof-launch", "out/oom-experiments_20240101T000000.csv"},
      {"run-manifest", "runs.csv"},
      {"codecarbon", "meters/emissions.csv"},
      {"perf-stat", "meters/perf-stat.txt"},
      {"wattmeter", "meters/wattmetre.csv"},
      {"nvidia-smi", "meters/gpus.csv"},
      /* an MLflow store: experiment 1, one run */
      {"mlflow-meta", "mlruns/1/0123456789abcdef0123456789abcdef/meta.yaml"},
      {"mlflow-metric", "mlruns/1/0123456789abcdef0123456789abcdef/metrics/val_accuracy"},
      {"mlflow-param", "mlruns/1/0123456789abcdef0123456789abcdef/params/batch_size"},
      {"mlflow-tag", "mlruns/1/0123456789abcdef0123456789abcdef/tags/mlflow.runName"},
      {"mlflow-artifact", "mlruns/1/0123456789abcdef0123456789abcdef/artifacts/model/MLmodel"},
  };
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    if (strcmp(paths[i][0], name) == 0) return paths[i][1];
  return "input.dat";
}

/* A headerless nvidia-smi file takes its fields from WATTDB_NVIDIA_SMI_FIELDS:
 * the fuzz target and the regression suite set it to this. */
#define FUZZ_NVIDIA_SMI_FIELDS "timestamp,index,power.draw,utilization.gpu"

#endif
