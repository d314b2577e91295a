/* transform/formulas.c: the words for each column of v_run (formulas.h), as
 * transform/README.md ("Two profiles", "v_run") gives them. */
#include "transform/formulas.h"

#include "schema/model.h"

#include <string.h>

#define META "metadata: the first of runs.csv, the study's run metadata, MLflow or performance-T.csv that states it"

const struct formula run_formulas[] = {
    {"profile", "the profile", NULL},
    {"environment", "the run's folder raw/{environment}/...", NULL},
    {"architecture", "the run's folder raw/{environment}/{architecture}/...", NULL},
    {"dataset", "the run's folder raw/{environment}/{architecture}/{dataset}/ ('' in the 2-level layout)", NULL},
    {"stamp", "T of the run's gpu-power-T.csv", NULL},
    {"run_id", "the run's row in table run", NULL},
    {"n_samples", "GPU samples kept: last " MODEL_STR(MODEL_GAISSA_SKIPFOOTER) " data lines dropped (skipfooter), [N/A] power "
                  "dropped, GPU samples without a CPU sample within " MODEL_STR(MODEL_NEAREST_TOLERANCE_US)
                  " us dropped, cut at the last epoch end",
     "GPU samples in the window (first GPU sample .. last epoch end)"},
    {"start_time", "first kept sample", "first GPU sample"},
    {"duration_s", "last kept sample - first kept sample", "window end - window start"},
    {"duration_h", "duration_s / 3600", NULL},
    {"gpu_energy_j", "trapezoid of GPU power (watts floored to whole W) over consecutive kept samples, gaps bridged",
     "trapezoid of GPU power over the window; an interval longer than " MODEL_STR(MODEL_GAP_PERIODS)
     " median sampling periods is not bridged"},
    {"ram_energy_j", "trapezoid of RAM power (RSS MB x " MODEL_STR(MODEL_RAM_W_PER_MB) " W) over the kept samples' nearest CPU samples",
     "trapezoid of RAM power (RSS MB x " MODEL_STR(MODEL_RAM_W_PER_MB) " W) on the CPU samples' own times in the window,"
     " same gap rule"},
    {"energy_j", "gpu_energy_j + ram_energy_j, NULL when either is",
     "the sum of the components measured in the window (energy_components)"},
    {"energy_components", "what energy_j sums ('gpu+ram', 'gpu', 'ram')", NULL},
    {"avg_gpu_power_w", "mean of the kept samples' GPU power (floored)", "gpu_energy_j / covered time"},
    {"std_gpu_power_w", "sample standard deviation (ddof=1) of the GPU power", "from the integral of power squared"},
    {"avg_ram_power_w", "mean of the RAM power (float32, as pandas)", "ram_energy_j / covered time"},
    {"std_ram_power_w", "sample standard deviation (ddof=1, float32)", "from the integral of power squared"},
    {"gpu_usage_pct", "mean utilization.gpu of the kept samples", "time-weighted mean utilization.gpu"},
    {"gpu_working_time_s", "sum of usage x 1 s (1 Hz assumed)", "integral of usage dt"},
    {"gpu_memory_usage_pct", "mean utilization.memory", "time-weighted mean utilization.memory"},
    {"gpu_memory_working_time_s", "sum of memory usage x 1 s", "integral of memory usage dt"},
    {"avg_gpu_memory_used_mib", "mean memory.used", "time-weighted mean memory.used"},
    {"std_gpu_memory_used_mib", "sample standard deviation of memory.used", "time-weighted standard deviation"},
    {"total_power_w", "sum of the kept samples' GPU power (the package's 'total power (W)')", "NULL (not a power)"},
    {"avg_gpu_temp_c", "mean temperature.gpu", "time-weighted mean temperature.gpu"},
    {"std_gpu_temp_c", "sample standard deviation of temperature.gpu", "time-weighted standard deviation"},
    {"avg_cpu_usage_pct", "mean CPU usage of the nearest CPU samples", "time-weighted mean on the CPU samples"},
    {"std_cpu_usage_pct", "sample standard deviation of the CPU usage", "time-weighted standard deviation"},
    {"avg_ram_used_mb", "mean RSS of the nearest CPU samples", "time-weighted mean RSS"},
    {"std_ram_used_mb", "sample standard deviation of the RSS", "time-weighted standard deviation"},
    {"emissions_g", "energy_j / 3.6e6 x carbon_intensity_g_per_kwh x pue", NULL},
    {"carbon_intensity_g_per_kwh", "setting carbon_intensity_g_per_kwh (--carbon-intensity)", NULL},
    {"pue", "setting pue (--pue)", NULL},
    {"batch_size", META, NULL},
    {"image_size", META " (side of the square input, px)", NULL},
    {"train_size", META, NULL},
    {"validation_size", META, NULL},
    {"gflops", META " (MACCS x 2 x 1e-9 from MLflow)", NULL},
    {"accuracy", META " (performance-T.csv: the last epoch's val_accuracy)", NULL},
    {"auc", META, NULL},
    {"precision", META, NULL},
    {"recall", META, NULL},
    {"f1", META "; else 2PR/(P+R)", NULL},
    {"metrics_source", "which of the metadata sources gave the metrics", NULL},
    {"total_ram_gb", "runs.csv or the study's metadata, else the CPU file's total memory label", NULL},
    {"gpu_model", "first gpu_name of the GPU file", NULL},
    {"max_power_limit_w", "power.max_limit of the GPU file", NULL},
    {"measured_epochs", "max epoch index of the epoch_end file (0-based); NULL without one",
     "epochs of the epoch_end file with measured time; NULL without one"},
    {"trained_epochs", "rows of the epoch_end file, else the metadata's", NULL},
    {"total_seen_images", "(floor(train/bs) + floor(val/bs)) x bs x measured_epochs, else the metadata's", NULL},
    {"return_code", "stated (launch manifest, runs.csv, metadata), else measured_epochs = 0 -> -9, otherwise 0 "
                    "(only with an epoch_end file)",
     "stated (launch manifest, runs.csv, metadata), else NULL"},
    {"sampling_period_s", "median GPU sampling interval", NULL},
    {"uncovered_s", "NULL (every gap bridged)", "window time no bridged GPU interval covers"},
    {"null_power_samples", "GPU samples whose power was [N/A]", NULL},
    {"start_us", "the window's start, naive local µs", NULL},
    {"end_us", "the window's end, naive local µs", NULL},
    {"split_number", META, NULL},
    {"metadata_paired_by", "how the run's metadata row was found: 'manifest stamp', 'stamp', 'ordinal', "
                           "'dataset ordinal', 'mlflow overlap'",
     NULL},
    /* the MLflow run attached by time overlap (schema/015_mlflow.sql); a row of
     * profile 'mlflow' is an MLflow run attached to no eprof run */
    {"mlflow_run_id", "the MLflow run attached by time overlap (mlflow_run_meta), its run folder", NULL},
    {"mlflow_experiment", "its experiment's name (meta.yaml)", NULL},
    {"mlflow_run_name", "its run_name, else its mlflow.runName tag", NULL},
    {"mlflow_status", "its status: RUNNING, SCHEDULED, FINISHED, FAILED, KILLED", NULL},
    {"mlflow_params", "its params as a JSON object, keys as written", NULL},
    {NULL, NULL, NULL},
};

const struct formula *formula_for(const char *column) {
  for (const struct formula *f = run_formulas; f->column; f++)
    if (strcmp(f->column, column) == 0) return f;
  return NULL;
}
