/* ingest/formats.c: the registry of raw formats and the bidding between them. */
#include "ingest/formats.h"

#include <string.h>

extern const struct format fmt_eprof_gpu, fmt_eprof_cpu, fmt_eprof_epoch, fmt_keras_history,
    fmt_eprof_launch, fmt_run_manifest, fmt_run_metadata;
/* other measurement tools: wall meters, codecarbon, nvidia-smi, perf */
extern const struct format fmt_wattmeter, fmt_codecarbon, fmt_nvidia_smi,
    fmt_perf_stat;
/* Zeus, PowerJoular, powermetrics, AIPowerMeter, MLflow */
extern const struct format fmt_zeus_monitor, fmt_zeus_power, fmt_zeus_log, fmt_powerjoular, fmt_powermetrics;
extern const struct format fmt_aipowermeter;
/* the MLflow file store */
extern const struct format fmt_mlflow_meta, fmt_mlflow_metric, fmt_mlflow_param, fmt_mlflow_tag,
    fmt_mlflow_artifact;

/* Order matters only for equal bids: the first listed wins. */
const struct format *const formats[] = {
    &fmt_eprof_gpu, &fmt_eprof_cpu, &fmt_eprof_epoch, &fmt_keras_history, &fmt_eprof_launch,
    &fmt_run_manifest, &fmt_run_metadata,
    &fmt_wattmeter,
    &fmt_codecarbon,
    &fmt_nvidia_smi,
    &fmt_perf_stat,
    &fmt_zeus_monitor, &fmt_zeus_power, &fmt_zeus_log,
    &fmt_powerjoular,
    &fmt_powermetrics,
    &fmt_aipowermeter,
    &fmt_mlflow_meta, &fmt_mlflow_metric, &fmt_mlflow_param, &fmt_mlflow_tag, &fmt_mlflow_artifact,
    NULL,
};

const struct format *format_by_name(const char *name) {
  for (int i = 0; formats[i]; i++)
    if (strcmp(formats[i]->name, name) == 0) return formats[i];
  return NULL;
}

const struct format *format_choose(const struct sniff *s) {
  const struct format *best = NULL;
  int best_bid = 0;
  for (int i = 0; formats[i]; i++) {
    int b = formats[i]->bid(s);
    if (b > best_bid) {
      best_bid = b;
      best = formats[i];
    }
  }
  return best;
}
