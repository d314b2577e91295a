"""bench/package_driver.py: runs the replication package's own preprocessing on an
eprof tree, for bench/package.sh. Not a test: prints timings.

    python3 bench/package_driver.py prepare PKG_DIR TREE_DIR COPY_DIR
    python3 bench/package_driver.py run PKG_DIR COPY_DIR OUT_DIR

PKG_DIR is a checkout of GAISSA-UPC/dl-training-energy-estimation (its src/ is
imported from there, nothing of it is copied); TREE_DIR holds data/metrics/raw/
(the extracted data zip). `prepare` copies TREE_DIR to COPY_DIR and runs the
package's own add_total_memory() (src/testing.py) on the copy: the package's
CPU reader (_process_raw_cpu_file) names five columns, and the zip's
cpu-mem-usage files have the four of the logger (no "total memory (GB)"); with
pandas 1.5.3 read_csv then stops ("Too many columns specified: expected 5 and
found 4"). add_total_memory is how the package itself added that column to its
raw files (16 GB for cloud, 32 for local and local-v2, by folder), rewriting
them in place with pandas, hence on a copy. `run` times the preprocessing of
COPY_DIR; the processed table goes to OUT_DIR/processed.csv.

It calls, unchanged, src.features.preprocessing.build_metrics_dataset (the
per-run merge in its ProcessPoolExecutor) and then _aggregate_metrics (the per-run
aggregates and trapezoid energies), and writes the aggregate as CSV. What it has
to supply around them, and nothing else:
  * src.environment is replaced by a module with METRICS_DIR = TREE_DIR/data/metrics,
    OUTPUT_DIR = OUT_DIR and a logger: the package's own reads config/*.yaml and
    python-dotenv and creates data/, models/, out/... folders in its checkout, and
    its METRICS_DIR is that checkout's data/metrics;
  * mlflow is replaced by a module whose search_runs() returns, for an experiment
    "{env}-{dataset}-{arch}", one run per cpu-mem-usage file of that folder, with
    start_time = the file's stamp read as +01:00 plus 5 s and run_id = the stamp
    (the tree ships no MLflow store; the package maps runs to files by rank, which
    with these runs gives each file pair its own run);
  * with pandas older than 2.0 (Debian 12 has 1.5.3; the package pins 2.2.2)
    read_csv has no date_format argument (dropped: pandas infers the same ISO
    8601 and "%Y-%m-%d %H:%M:%S.%f" formats by itself) and DataFrame.dropna no
    ignore_index argument (done by reset_index(drop=True) after it);
  * for `prepare`, the modules src/testing.py imports for its other functions
    (tensorflow models, the MLflow client, tqdm, MACs profiling) are empty
    stand-ins, and src/ is put on sys.path as testing.py expects;
  * when no run of the tree has an epoch_end file (the seaa2023 zip has none),
    the interim frame has no epoch column and _aggregate_metrics would stop with
    a KeyError: the column is added as all-NaN, which is what the package gets
    when only some runs have one (measured epochs 0, trained epochs 0).
The interim Parquet file is not written (save_to_file=False): pyarrow is not in
Debian 12. Both steps are timed with time.perf_counter.
"""
import glob
import logging
import os
import resource
import sys
import time
import types


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("prepare", "run"):
        sys.exit("usage: package_driver.py prepare PKG_DIR TREE_DIR COPY_DIR | run PKG_DIR COPY_DIR OUT_DIR")
    mode = sys.argv[1]
    pkg, tree, outdir = (os.path.abspath(a) for a in sys.argv[2:])
    from pathlib import Path

    import pandas as pd

    if not (Path(tree) / "data" / "metrics" / "raw").is_dir():
        sys.exit(f"package_driver: {tree}/data/metrics/raw: no such directory")
    if mode == "prepare":
        import shutil

        shutil.rmtree(outdir, ignore_errors=True)
        shutil.copytree(tree, outdir)
        tree = outdir
    metrics_dir = Path(tree) / "data" / "metrics"
    raw = metrics_dir / "raw"
    os.makedirs(outdir, exist_ok=True)

    env = types.ModuleType("src.environment")
    env.METRICS_DIR = metrics_dir
    env.OUTPUT_DIR = Path(outdir)
    env.logger = logging.getLogger("package_driver")
    sys.modules["src.environment"] = env

    folders = {}  # experiment name -> folder
    for e in sorted(os.listdir(raw)):
        for a in sorted(os.listdir(raw / e)):
            for d in sorted(os.listdir(raw / e / a)):
                if (raw / e / a / d).is_dir():
                    folders[f"{e}-{d}-{a}"] = raw / e / a / d

    def search_runs(experiment_names, order_by=None):
        rows = []
        for name in experiment_names:
            if name not in folders:
                continue
            for f in glob.glob(str(folders[name] / "cpu*.csv")):
                stamp = os.path.basename(f).split("-")[-1].split(".")[0]
                start = pd.Timestamp(stamp + "+01:00") + pd.Timedelta(seconds=5)
                rows.append({"run_id": stamp, "start_time": start.tz_convert("UTC")})
        runs = pd.DataFrame(rows, columns=["run_id", "start_time"])
        runs["start_time"] = pd.to_datetime(runs["start_time"], utc=True)
        return runs.sort_values("start_time", ignore_index=True)

    mlflow = types.ModuleType("mlflow")
    mlflow.search_runs = search_runs
    sys.modules["mlflow"] = mlflow

    if int(pd.__version__.split(".")[0]) < 2:
        read_csv = pd.read_csv

        def read_csv_compat(*args, **kwargs):
            kwargs.pop("date_format", None)
            return read_csv(*args, **kwargs)

        pd.read_csv = read_csv_compat
        dropna = pd.DataFrame.dropna

        def dropna_compat(self, *args, ignore_index=False, **kwargs):
            result = dropna(self, *args, **kwargs)
            return result.reset_index(drop=True) if ignore_index else result

        pd.DataFrame.dropna = dropna_compat

    sys.path.insert(0, pkg)
    if mode == "prepare":
        mlflow.MlflowClient = object
        stubs = {
            "tqdm": {"tqdm": lambda x, *a, **k: x},
            "models": {},
            "models.dl": {},
            "models.dl.model_factory": dict.fromkeys(
                ["InceptionV3Factory", "MobileNetV2Factory", "NASNetMobileFactory", "ResNet50Factory",
                 "VGG16Factory", "XceptionFactory"]),
            "profiling": {},
            "profiling.metrics": {"compute_maccs": None},
        }
        for name, attrs in stubs.items():
            m = types.ModuleType(name)
            m.__dict__.update(attrs)
            sys.modules[name] = m
        sys.path.insert(1, os.path.join(pkg, "src"))
        from src import testing

        t0 = time.perf_counter()
        testing.add_total_memory()
        n = len(glob.glob(str(raw / "*" / "*" / "*" / "cpu*.csv")))
        print(f"package: add_total_memory on {n} cpu files of {tree}: {time.perf_counter() - t0:.3f} s")
        return

    from src.features import preprocessing

    t0 = time.perf_counter()
    df = preprocessing.build_metrics_dataset(input_folder=raw, save_to_file=False, process_all_files=True)
    t1 = time.perf_counter()
    if "epoch" not in df.columns:
        df["epoch"] = float("nan")
    grouped = preprocessing._aggregate_metrics(df, ["train_environment", "architecture", "dataset", "run_id"])
    grouped.to_csv(os.path.join(outdir, "processed.csv"))
    t2 = time.perf_counter()

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"package: {len(df)} interim rows, {len(grouped)} runs; build_metrics_dataset {t1 - t0:.3f} s, "
        f"_aggregate_metrics and CSV {t2 - t1:.3f} s; peak RSS {own:.0f} MB (driver), "
        f"{child:.0f} MB (largest pool worker), {os.cpu_count()} workers"
    )
    print(
        "package energy: sum of gpu energy (MJ) %.6f, of ram energy (MJ) %.6f"
        % (grouped["gpu energy (MJ)"].sum(), grouped["ram energy (MJ)"].sum())
    )


if __name__ == "__main__":
    main()
