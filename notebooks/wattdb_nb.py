"""wattdb_nb: read a wattdb database from a notebook, in one line.

    import wattdb_nb as nb
    runs = nb.runs()                      # v_run of the chosen profile, as a DataFrame
    nb.view('v_epoch', where='epoch >= ?', params=(10,))
    nb.query('select count(*) n from rejected_row')
    nb.savefig(fig, 'energy-by-architecture')   # out/figures/energy-by-architecture.png

The database is the file named by the environment variable WATTDB_DB (default
out/demo.db, the database `make demo` builds); a relative path is taken from the
repository root. A WATTDB_DB that starts with postgresql:// (or postgres://) is a
lab's PostgreSQL database that `wattdb push` feeds, read through psycopg2 with the
same views; SQL written for SQLite with ? parameters runs there unchanged. It is
opened read-only: a notebook never changes the data.
Figures go to WATTDB_FIGURES (default out/figures). WATTDB_PROFILE picks the
transform profile the analyses read (default: 'default' when the database holds
it, else the first one it holds).

Everything here reads the documented views and tables (v_run, v_epoch,
v_features, v_profile_diff, source_energy, source_reconciliation, source_file,
rejected_row, run). An absent view gives an empty DataFrame and a printed note,
not an exception, and the notebooks say what they skip when a view is empty, so
that they run on any wattdb database, from an empty one to a full campaign.
"""

import os
import pathlib
import sqlite3
import urllib.parse

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = 2022                     # the replication package's seed, for every random step
KEY = ['environment', 'architecture', 'dataset', 'stamp']   # a run, as in the run table
GROUP = ['environment', 'architecture', 'dataset']


def _path(env, default):
    p = pathlib.Path(os.environ.get(env) or default)
    return p if p.is_absolute() else ROOT / p


def _server(url):
    """Whether url names a PostgreSQL server rather than a file."""
    return url.startswith(('postgresql://', 'postgres://'))


SERVER = _server(os.environ.get('WATTDB_DB') or '')
DB = os.environ['WATTDB_DB'] if SERVER else _path('WATTDB_DB', 'out/demo.db')
DB_NAME = (urllib.parse.urlsplit(DB).path.lstrip('/') or DB) if SERVER else DB.name
FIGURES = _path('WATTDB_FIGURES', 'out/figures')

_conn = None


def connect():
    """The read-only connection to DB, opened once."""
    global _conn
    if _conn is None and SERVER:
        import psycopg2
        _conn = psycopg2.connect(DB)
        _conn.set_session(readonly=True, autocommit=True)
    if _conn is None:
        if not DB.is_file():
            raise FileNotFoundError(
                f'{DB}: no such database; build it with `make demo`, or point WATTDB_DB '
                'at one (`WATTDB_DB=energy.db make notebooks`)')
        uri = 'file:' + urllib.parse.quote(str(DB)) + '?mode=ro'
        _conn = sqlite3.connect(uri, uri=True)
    return _conn


def _dialect(sql):
    """SQL written for SQLite, as the server runs it: ? parameters become %s
    (and a literal % is doubled) for psycopg2, PRAGMA user_version reads the
    server schema's version."""
    if not SERVER:
        return sql
    if sql.strip().lower() == 'pragma user_version':
        return 'SELECT version AS user_version FROM wattdb_schema'
    return sql.replace('%', '%%').replace('?', '%s')


def note(msg):
    """A remark printed in the notebook's output: what was skipped and why."""
    print('note:', msg)


def objects():
    """Names of the tables and views in the database."""
    if SERVER:
        return set(query('SELECT table_name AS name FROM information_schema.tables'
                         ' WHERE table_schema = current_schema()')['name'])
    return set(query("SELECT name FROM sqlite_master WHERE type IN ('table','view')")['name'])


def has(name):
    return name in objects()


def columns(name):
    """Column names of a table or view ([] when it does not exist)."""
    if not has(name):
        return []
    if SERVER:
        return list(query('SELECT column_name FROM information_schema.columns WHERE table_schema'
                          ' = current_schema() AND table_name = ? ORDER BY ordinal_position',
                          (name,))['column_name'])
    return [r[1] for r in connect().execute(f'PRAGMA table_info("{name}")')]


def query(sql, params=()):
    """Run a SELECT and return its rows as a DataFrame."""
    if not SERVER:
        return pd.read_sql_query(sql, connect(), params=params)
    with connect().cursor() as cur:
        cur.execute(_dialect(sql), tuple(params))
        names = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=names).infer_objects()


def view(name, where=None, params=(), order_by=None):
    """A documented view or table as a DataFrame, optionally filtered.

    An absent view gives an empty DataFrame and a note, so that a notebook can
    go on with what the database holds."""
    if not has(name):
        note(f'{name} is not in {DB_NAME}; the steps that need it are skipped')
        return pd.DataFrame()
    sql = f'SELECT * FROM "{name}"'
    if where:
        sql += f' WHERE {where}'
    if order_by:
        sql += f' ORDER BY {order_by}'
    return query(sql, params)


def profiles():
    """The transform profiles v_run holds."""
    if 'profile' not in columns('v_run'):
        return []
    return list(query('SELECT DISTINCT profile FROM v_run ORDER BY profile')['profile'])


def profile():
    """The profile the analyses read: WATTDB_PROFILE, else 'default', else the first."""
    have = profiles()
    want = os.environ.get('WATTDB_PROFILE') or 'default'
    if want in have or not have:
        return want
    note(f"profile {want!r} is not in v_run; reading {have[0]!r}")
    return have[0]


def _of_profile(name):
    if 'profile' in columns(name):
        return view(name, where='profile = ?', params=(profile(),))
    return view(name)


def runs():
    """v_run of the chosen profile, sorted by start time."""
    df = _of_profile('v_run')
    if len(df) and 'start_time' in df:
        df = df.sort_values('start_time', kind='stable').reset_index(drop=True)
    return df


def epochs():
    """v_epoch of the chosen profile."""
    return _of_profile('v_epoch')


def epoch_facts():
    """Per run of the chosen profile: epochs measured and the shortest epoch (v_epoch)."""
    if 'profile' not in columns('v_epoch'):
        return pd.DataFrame(columns=KEY + ['epochs_measured', 'min_epoch_s'])
    return query(EPOCH_FACTS_SQL, (profile(),))


def finished(df, facts=None):
    """The runs of df with return code 0.

    v_run derives -9 from "no epoch measured" when no launch manifest says otherwise,
    so when the database holds no epoch data at all (no epoch_end files) the return
    code says nothing and every run is kept, with a note."""
    facts = epoch_facts() if facts is None else facts
    if 'return_code' not in df:
        return df
    if facts.empty:
        note('no run has epoch data (no epoch_end files): return codes, which read '
             '"no epoch measured" as a failed run, are not used')
        return df
    return df[df['return_code'].fillna(0) == 0]


def savefig(fig, name):
    """Save a figure as FIGURES/name.png and return the path."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f'{name}.png'
    fig.savefig(path, dpi=100, bbox_inches='tight')
    print('figure:', path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return path


# ---- figures: one palette, one way to write units and labels ---------------------

# Okabe & Ito's colour-blind safe palette (yellow late: it is weak on white), then
# Paul Tol's muted colours that differ from it; beyond these, evenly spaced hues, so
# that no two series of a figure share a colour. Many series also get a marker each.
PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000',
           '#F0E442', '#882255', '#999933', '#332288', '#44AA99']
MARKERS = ['o', 's', '^', 'D', 'v', 'P', 'X', '<', '>', 'h', '*', 'p']
GREY = '#999999'            # what is context, not a series (single runs, y = x lines)

# What a column is, for an axis or a legend; energies get their unit from energy_unit.
LABELS = {
    'energy_j': 'energy per run', 'gpu_energy_j': 'GPU energy per run',
    'ram_energy_j': 'RAM energy per run', 'energy_j_per_image': 'energy per image',
    'energy_j_per_epoch': 'energy per epoch', 'avg_epoch_energy_j': 'average energy per epoch',
    'avg_stable_epoch_energy_j': 'average energy per stable epoch',
    'duration_s': 'duration per run (s)', 'ms_per_image': 'duration per image (ms)',
    'avg_gpu_power_w': 'average GPU power (W)', 'gpu_usage_pct': 'GPU usage (%)',
    'gflops': 'GFLOPs', 'f1': 'F1', 'accuracy': 'accuracy',
}
# The energies normalized by something: a prefix from mJ up; the others are a run's
# (or an epoch's) energy, in kJ or MJ.
ENERGY_PER = {'energy_j_per_image': 'image', 'energy_j_per_epoch': 'epoch'}


def colors(n):
    """n distinct colours: the palette first, then evenly spaced hues."""
    import matplotlib
    if n <= len(PALETTE):
        return PALETTE[:n]
    more = matplotlib.colormaps['hsv'](np.linspace(0, 1, n - len(PALETTE), endpoint=False))
    return PALETTE + [matplotlib.colors.to_hex(c) for c in more]


def styles(keys):
    """{key: dict(color=..., marker=...)}, one colour and one marker per key, in order."""
    keys = list(dict.fromkeys(keys))
    return {k: {'color': c, 'marker': MARKERS[i % len(MARKERS)]}
            for i, (k, c) in enumerate(zip(keys, colors(len(keys))))}


def energy_unit(values, per=None):
    """(divisor, unit) for energies in J: kJ or MJ for a run's or an epoch's energy, mJ to
    MJ for a normalized one (per='image' gives 'mJ/image' ...), chosen from the median
    magnitude of values so that the numbers read between 1 and 1000. Give it every value
    that shares an axis (a row of panels), so that they share one unit too."""
    v = pd.Series(np.asarray(values, dtype=float).ravel()).abs()
    v = v[v > 0].dropna()
    scale = float(v.median()) if len(v) else 1e3
    units = [(1e-3, 'mJ'), (1.0, 'J'), (1e3, 'kJ'), (1e6, 'MJ')] if per else \
        [(1e3, 'kJ'), (1e6, 'MJ')]
    div, unit = units[0]
    for d, u in units:
        if scale >= d:
            div, unit = d, u
    return div, unit + (f'/{per}' if per else '')


def is_energy(col):
    return col.endswith('energy_j') or col.startswith('energy_j')


def in_unit(col, values):
    """(divisor, axis label) for column col: an energy in a readable unit (energy_unit),
    anything else as stored, with the label of LABELS."""
    name = LABELS.get(col, col)
    if not is_energy(col):
        return 1.0, name
    div, unit = energy_unit(values, ENERGY_PER.get(col))
    return div, f'{name} ({unit})'


def boxplot(ax, data, labels, colors_=None, vert=True):
    """Boxes of data (a list of arrays), each box its colour, its n under the label."""
    counts = [len(pd.Series(d).dropna()) for d in data]
    ticks = [f'{l}\nn = {n}' for l, n in zip(labels, counts)]
    kw = {'tick_labels' if _mpl_at_least(3, 9) else 'labels': ticks}
    b = ax.boxplot(data, vert=vert, patch_artist=True, widths=0.6,
                   medianprops={'color': 'black', 'lw': 1.5},
                   flierprops={'marker': '.', 'markersize': 4}, **kw)
    for patch, c in zip(b['boxes'], colors_ or [PALETTE[0]] * len(data)):
        patch.set_facecolor(c)
        patch.set_alpha(0.55)
        patch.set_edgecolor('black')
    return b


def _mpl_at_least(major, minor):
    import matplotlib
    v = tuple(int(x) for x in matplotlib.__version__.split('.')[:2])
    return v >= (major, minor)


def _style():
    """The defaults every notebook's figures share: the palette as the colour cycle."""
    try:
        import matplotlib as mpl
        from cycler import cycler
    except ImportError:         # no matplotlib: the tables still work
        return
    mpl.rcParams['axes.prop_cycle'] = cycler(color=PALETTE)
    mpl.rcParams['axes.spines.top'] = False
    mpl.rcParams['axes.spines.right'] = False
    mpl.rcParams['axes.titlesize'] = 10
    mpl.rcParams['figure.titlesize'] = 12
    mpl.rcParams['legend.frameon'] = False


_style()


def present(df, cols):
    """The columns of cols that df has and that hold at least one value."""
    return [c for c in cols if c in df and df[c].notna().any()]


# ---- statistics that never fail on a small or empty group ----------------------

def spearman(x, y, alternative='two-sided'):
    """(rho, p) of scipy's Spearman test, NaNs when fewer than 3 pairs or a constant side."""
    from scipy import stats
    d = pd.DataFrame({'x': x, 'y': y}).dropna()
    if len(d) < 3 or d['x'].nunique() < 2 or d['y'].nunique() < 2:
        return np.nan, np.nan
    r = stats.spearmanr(d['x'], d['y'], alternative=alternative)
    return float(r.statistic if hasattr(r, 'statistic') else r.correlation), float(r.pvalue)


def kruskal(df, value, by):
    """Kruskal-Wallis H across the groups of `by`, with eta² = (H-k+1)/(n-k) as in the
    replication package; NaNs when fewer than two groups have data."""
    from scipy import stats
    groups = [g[value].dropna().to_numpy() for _, g in df.groupby(by)]
    groups = [g for g in groups if len(g)]
    n, k = sum(len(g) for g in groups), len(groups)
    if k < 2 or n <= k or len(np.unique(np.concatenate(groups))) < 2:
        return pd.Series({'H': np.nan, 'p': np.nan, 'eta2': np.nan, 'groups': k, 'n': n})
    h, p = stats.kruskal(*groups)
    return pd.Series({'H': h, 'p': p, 'eta2': (h - k + 1) / (n - k), 'groups': k, 'n': n})


def rmse(est, true):
    d = (pd.Series(est, dtype=float) - pd.Series(true, dtype=float)).dropna()
    return float(np.sqrt((d ** 2).mean())) if len(d) else np.nan


# ---- the cleaning of the replication package (anchor §4.5), over the views ---

MIN_EPOCHS = 20           # runs with fewer measured epochs are dropped
OUTLIER_SHARE = 0.1       # IsolationForest contamination per (environment, architecture, dataset)
MIN_OUTLIER_GROUP = 10    # smaller groups are not searched for outliers

# The measurements every analysis needs; a run without one of them is dropped.
MEASURED = ['duration_s', 'gpu_energy_j', 'ram_energy_j', 'energy_j', 'avg_gpu_power_w',
            'gpu_usage_pct']
# Run metadata from runs.csv / performance files: imputed within the run's setting when a
# run lacks it, as the replication package does, and required only when the database
# holds it for some run.
METADATA = ['total_ram_gb', 'gflops']
SETTING = GROUP + ['batch_size', 'image_size']

# Per-run epoch facts from v_epoch: how many epochs were measured and the shortest one.
EPOCH_FACTS_SQL = """
SELECT environment, architecture, dataset, stamp,
       MAX(epoch) + 1   AS epochs_measured,
       MIN(duration_s)  AS min_epoch_s
FROM v_epoch WHERE profile = ?
GROUP BY environment, architecture, dataset, stamp
"""


def clean_runs(verbose=True):
    """The clean run table: the steps of anchor §4.5 over v_run and v_epoch.

    Returns (clean, steps): the kept runs with their normalized energy and
    duration, and one row per step with the runs before and after it. A step
    whose data the database does not hold (no epoch files at all, no metadata)
    is reported and skipped rather than dropping every run."""
    runs_ = runs()
    steps = []

    def step(name, df, why=''):
        before = steps[-1]['runs after'] if steps else len(df)
        steps.append({'step': name, 'runs before': before, 'runs after': len(df),
                      'removed': before - len(df), 'rule': why})
        return df

    df = step('v_run', runs_, f'profile {profile()!r}')
    if df.empty:
        return df, pd.DataFrame(steps)

    ep = epoch_facts()

    # 1. return code 0 (see finished)
    df = step('return code', finished(df, ep), 'return_code = 0' if len(ep) else 'not used')

    # 2. missing values, after filling run metadata within its setting
    df = df.copy()
    setting = [c for c in SETTING if c in df]
    for c in present(df, METADATA):
        df[c] = df.groupby(setting, dropna=False)[c].transform(lambda s: s.bfill().ffill())
    need = [c for c in MEASURED if c in df] + present(df, METADATA)
    df = step('missing values', df.dropna(subset=need), 'no NULL in ' + ', '.join(need))

    # 3. enough epochs; 4. sampling period (measured by the transform, else the mean
    # spacing of the run's samples) not longer than the run's shortest epoch
    if ep.empty:
        note(f'no epoch data: the >= {MIN_EPOCHS} epochs and sampling-period steps are skipped')
        df = df.assign(epochs_measured=np.nan, min_epoch_s=np.nan)
    else:
        df = df.merge(ep, on=KEY, how='left')
        df = step(f'>= {MIN_EPOCHS} epochs', df[df['epochs_measured'] >= MIN_EPOCHS],
                  f'MAX(epoch)+1 >= {MIN_EPOCHS} in v_epoch')
        period = df['duration_s'] / (df['n_samples'] - 1).where(df['n_samples'] > 1)
        if 'sampling_period_s' in df:
            period = df['sampling_period_s'].fillna(period)
        df = df.assign(sampling_period_s=period)
        df = step('sampling period', df[~(df['sampling_period_s'] > df['min_epoch_s'])],
                  'sampling period <= shortest epoch')

    # normalized energy (J/image) and duration (ms/image), when the seen images are known
    seen = df['total_seen_images'].where(df['total_seen_images'] > 0) \
        if 'total_seen_images' in df else pd.Series(np.nan, index=df.index)
    df['energy_j_per_image'] = df['energy_j'] / seen
    df['ms_per_image'] = df['duration_s'] * 1e3 / seen
    n_ep = df['epochs_measured'].fillna(df.get('trained_epochs', np.nan))
    df['energy_j_per_epoch'] = df['energy_j'] / n_ep.where(n_ep > 0)

    # 5. outliers: IsolationForest per group on z-scored numbers, fixed seed
    df = df.reset_index(drop=True)
    df['outlier'] = outliers(df)
    df = step('outliers', df[~df['outlier']],
              f'IsolationForest per group, contamination {OUTLIER_SHARE}, seed {SEED}')
    df = df.drop(columns='outlier').reset_index(drop=True)
    steps = pd.DataFrame(steps)
    if verbose:
        print(steps.to_string(index=False))
    return df, steps


OUTLIER_FEATURES = ['batch_size', 'total_ram_gb', 'gpu_usage_pct', 'avg_gpu_power_w',
                    'gpu_energy_j', 'max_power_limit_w', 'ram_energy_j', 'avg_gpu_temp_c', 'gflops',
                    'trained_epochs', 'epochs_measured', 'total_seen_images',
                    'energy_j_per_image', 'ms_per_image']


def outliers(df):
    """Boolean Series: IsolationForest verdict per (environment, architecture, dataset).

    Features are z-scored once over all runs (a column without spread is left out),
    a missing value counts as the mean; groups smaller than MIN_OUTLIER_GROUP keep
    all their runs."""
    from sklearn.ensemble import IsolationForest
    flag = pd.Series(False, index=df.index)
    cols = [c for c in present(df, OUTLIER_FEATURES) if df[c].std(ddof=0) > 0]
    if not cols or df.empty:
        return flag
    x = df[cols].astype(float)
    z = ((x - x.mean()) / x.std(ddof=0)).fillna(0.0)
    small = []
    for key, idx in df.groupby(GROUP, dropna=False).groups.items():
        if len(idx) < MIN_OUTLIER_GROUP:
            small.append('/'.join(map(str, key)))
            continue
        forest = IsolationForest(n_estimators=100, contamination=OUTLIER_SHARE,
                                 random_state=SEED)
        flag.loc[idx] = forest.fit_predict(z.loc[idx].to_numpy()) == -1
    if small:
        note(f'{len(small)} group(s) under {MIN_OUTLIER_GROUP} runs not searched for '
             f'outliers: {", ".join(small)}')
    return flag


# ---- the other tools' studies: Zeus power limits, codecarbon flushes, meters ----

def pareto(points, x, y):
    """Boolean Series: True for the rows of points that no other row beats on both x
    and y (smaller is better on both; a tie on both does not dominate)."""
    p = points[[x, y]].to_numpy(dtype=float)
    le = (p[None, :, 0] <= p[:, None, 0]) & (p[None, :, 1] <= p[:, None, 1])
    lt = (p[None, :, 0] < p[:, None, 0]) | (p[None, :, 1] < p[:, None, 1])
    return pd.Series(~(le & lt).any(axis=1), index=points.index)


# Zeus's GlobalPowerLimitOptimizer names its profiling window after the limit it
# sets, in W: '__GlobalPowerLimitOptimizer_300'. The limit is the trailing number.
POWER_LIMIT_WINDOW = r'^__GlobalPowerLimitOptimizer_(\d+(?:\.\d+)?)$'


def power_limit_w(names):
    """The power limit (W) a Zeus window name states, NaN for a name that states none."""
    return pd.Series(names, dtype=object).str.extract(POWER_LIMIT_WINDOW)[0].astype(float)


def last_flush(rows, key, order='duration_s'):
    """One row per key: the row with the largest `order` (codecarbon's periodic flushes
    repeat a run id with cumulative duration and energy; the last one holds the run)."""
    if rows.empty:
        return rows
    idx = rows.sort_values(order, kind='stable').groupby(key, dropna=False).tail(1).index
    return rows.loc[sorted(idx)]


def trapezoid_j(ts_us, power_w, lo_us=None, hi_us=None):
    """Energy (J) of power readings by the trapezoid rule over [lo_us, hi_us] (default:
    all of them), the readings sorted by time; NaN with fewer than two readings."""
    d = pd.DataFrame({'t': np.asarray(ts_us, dtype=float), 'p': np.asarray(power_w, dtype=float)})
    if lo_us is not None:
        d = d[(d['t'] >= lo_us) & (d['t'] <= hi_us)]
    d = d.dropna().sort_values('t')
    if len(d) < 2:
        return np.nan
    t, p = d['t'].to_numpy() / 1e6, d['p'].to_numpy()
    return float(((p[1:] + p[:-1]) / 2 * np.diff(t)).sum())


# ---- inference studies measured with perf stat (RAPL) -------------------------

def source_file_key():
    """The column of source_file that a raw table's file_id names: its id in a local
    database; on a lab's server, where raw rows belong to a file's content, file_id."""
    return 'file_id' if SERVER else 'id'


def energy_unit_any(values):
    """(divisor, unit) for energies in J from mJ up (mJ, J, kJ, MJ), without a 'per':
    for measurements of seconds to minutes (a perf stat run), which kJ would print as
    0.0x. Same rule as energy_unit: the median magnitude reads between 1 and 1000."""
    div, unit = energy_unit(values, per='x')
    return div, unit.split('/')[0]


# perf's RAPL energy events and the domain each measures: 'pkg' is the whole
# package (cores and integrated GPU inside it), 'ram' the DRAM, 'psys' the platform.
RAPL_EVENTS = {'power/energy-pkg/': 'package', 'power/energy-ram/': 'DRAM',
               'power/energy-cores/': 'cores', 'power/energy-gpu/': 'integrated GPU',
               'power/energy-psys/': 'platform (psys)'}

# A batch size written in a folder or file name: resnet50-bs32, bs_8, batch64, batch-size=16.
BATCH_IN_NAME = r'(?:^|[-_.])(?:bs|batch(?:[-_]?size)?)[-_=]?(\d+)(?=$|[-_.])'


def batch_from_name(name):
    """The batch size a name states (the last such token), NaN when it states none."""
    hits = pd.Series([name], dtype=object).str.findall(BATCH_IN_NAME).iloc[0]
    return float(hits[-1]) if isinstance(hits, list) and hits else np.nan


def strip_batch(name):
    """The name without its batch-size token: the model variant of 'resnet50-bs32'."""
    return pd.Series([name], dtype=object).str.replace(BATCH_IN_NAME, '', regex=True).iloc[0]


def perf_measurements(counts):
    """One row per perf stat measurement (file_id, block) from perf_count rows
    (file_id, block, ts_us, aggr, event, unit, value): each RAPL domain's energy in J,
    summed over the aggregation ids (sockets) and, in interval mode (-I), over the
    intervals (the whole-run totals of a block that has intervals, e.g. --summary,
    are left out: they count the same energy again); elapsed_s from perf's 'seconds
    time elapsed', else the end of the block's last interval."""
    cols = ['file_id', 'block', 'elapsed_s'] + list(dict.fromkeys(RAPL_EVENTS.values()))
    if counts.empty:
        return pd.DataFrame(columns=cols)
    c = counts.copy()
    key = ['file_id', 'block']
    e = c[(c['unit'] == 'Joules') & c['event'].isin(list(RAPL_EVENTS)) & c['value'].notna()].copy()
    e['domain'] = e['event'].map(RAPL_EVENTS)
    has_iv = e.groupby(key)['ts_us'].transform(lambda s: s.notna().any())
    e = e[e['ts_us'].notna() | ~has_iv]
    out = e.pivot_table(index=key, columns='domain', values='value', aggfunc='sum')
    foot = c[(c['event'] == 'time elapsed') & c['value'].notna()].groupby(key)['value'].sum()
    last = c[c['ts_us'].notna()].groupby(key)['ts_us'].max() / 1e6
    idx = out.index.union(foot.index)
    out = out.reindex(idx)
    out['elapsed_s'] = foot.reindex(idx).fillna(last.reindex(idx))
    out = out.reset_index()
    for col in cols:
        if col not in out:
            out[col] = np.nan
    return out[cols].sort_values(key, kind='stable').reset_index(drop=True)


def log_axis(ax, axis='y'):
    """A log scale on AXIS of AX whose ticks read as plain numbers at 1, 2 and 5 of
    each decade (matplotlib labels only the powers of ten, often one per axis)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    a = ax.yaxis if axis == 'y' else ax.xaxis
    (ax.set_yscale if axis == 'y' else ax.set_xscale)('log')
    a.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    a.set_major_formatter(FuncFormatter(lambda v, _: f'{v:g}'))
    a.set_minor_formatter(NullFormatter())
