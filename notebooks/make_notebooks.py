#!/usr/bin/env python3
"""Writes the notebooks of this directory from the cells below, without outputs.

    python3 notebooks/make_notebooks.py           # (re)write notebooks/*.ipynb
    python3 notebooks/make_notebooks.py --check   # exit 1 if a committed notebook differs

The .ipynb files are generated: edit the cells here, then rerun. Cell ids are
derived from the notebook name and position, so the output is byte-for-byte
stable and a diff shows only what changed.
"""

import pathlib
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
NOTEBOOKS = {}


def notebook(name, *cells):
    NOTEBOOKS[name] = cells


def md(text):
    return ('markdown', text.strip('\n'))


def code(text):
    return ('code', text.strip('\n'))


SETUP = code("""
import wattdb_nb as nb
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
pd.set_option('display.width', 160)
pd.set_option('display.max_columns', 30)
print('database:', nb.DB)
""")

# ---------------------------------------------------------------------------------
notebook(
    '01-overview',
    md("""
# 01 · What the database holds

Sources by format and status, rejected rows by reason, runs per environment,
architecture and dataset, and their energy and duration. The database is the one
named by `WATTDB_DB` (default: `out/demo.db`, built by `make demo`), opened read-only.
"""),
    SETUP,
    code("""
print('schema version:', nb.query('PRAGMA user_version').iloc[0, 0])
print('transform profiles in v_run:', nb.profiles() or 'none (not transformed yet?)')
print('profile read by the analyses:', nb.profile())
"""),
    md("""
## Source files by format and status

`source_file` is the bookkeeping of every file read: `ok` (every data line
stored), `partial` (some lines rejected), `rejected` (the whole file refused),
`duplicate` (same bytes as a file already stored).
"""),
    code("""
sources = nb.query('''
    SELECT coalesce(format, '(unrecognised)') AS format, status,
           count(*) AS files, sum(rows_ok) AS rows_ok, sum(rows_rejected) AS rows_rejected,
           round(sum(size) / 1e6, 2) AS mb
    FROM source_file GROUP BY 1, 2 ORDER BY 1, 2''')
sources
"""),
    code("""
errors = nb.query('''
    SELECT path, error FROM source_file WHERE status = 'rejected' ORDER BY path LIMIT 10''')
if errors.empty:
    print('no file was rejected as a whole')
errors
"""),
    md("## Rejected rows by reason\n\nEvery line that is not in a raw table is in `rejected_row`, with its reason."),
    code("""
rejected = nb.query('''
    SELECT reason, count(*) AS lines, count(DISTINCT file_id) AS files, min(message) AS example
    FROM rejected_row GROUP BY reason ORDER BY lines DESC''')
if rejected.empty:
    print('no rejected rows')
rejected
"""),
    md("## Runs per environment, architecture and dataset"),
    code("""
run_files = nb.query('''
    SELECT r.environment, r.architecture, r.dataset, count(DISTINCT r.id) AS runs,
           count(f.id) AS files
    FROM run r LEFT JOIN source_file f ON f.run_id = r.id
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3''')
run_files
"""),
    code("""
runs = nb.runs()
if runs.empty:
    nb.note('v_run holds no run: transform the database (`wattdb build` or `wattdb transform`)')
    per_group = pd.DataFrame()
else:
    runs['energy_kj'] = runs['energy_j'] / 1e3
    runs['duration_min'] = runs['duration_s'] / 60
    per_group = runs.groupby(nb.GROUP).agg(
        runs=('stamp', 'size'),
        with_energy=('energy_j', 'count'),
        duration_min_median=('duration_min', 'median'),
        energy_kj_median=('energy_kj', 'median'),
        energy_mj_total=('energy_j', lambda s: s.sum() / 1e6),
        avg_gpu_power_w_median=('avg_gpu_power_w', 'median'),
        gpu_usage_pct_median=('gpu_usage_pct', 'median'),
        emissions_g_total=('emissions_g', 'sum'),
    ).round(3)
per_group
"""),
    code("""
if 'return_code' in runs and len(runs):
    print(runs['return_code'].value_counts(dropna=False).rename('runs by return code').to_string())
"""),
    md("""
## Energy and duration per group

Left: the energy of the runs of each group (box colour: its environment). Right: the
same runs' energy against their duration, one point per run, on the same energy scale.
"""),
    code("""
measured = runs.dropna(subset=['energy_j', 'duration_s']) if len(runs) else runs
if measured.empty:
    nb.note('no run with a measured energy: nothing to plot')
else:
    measured = measured.assign(group=measured['environment'] + ' / ' + measured['architecture']
                               + measured['dataset'].map(lambda d: f' / {d}' if d else ''))
    groups = sorted(measured['group'].unique())
    envs = nb.styles(sorted(measured['environment'].unique()))
    div, ylabel = nb.in_unit('energy_j', measured['energy_j'])
    fig, (ax1, ax2) = plt.subplots(1, 2, sharey='row',
                                   gridspec_kw={'width_ratios': [max(4, 1.25 * len(groups)), 5.5]},
                                   figsize=(1.25 * len(groups) + 7, 4.8))
    first = measured.groupby('group')['environment'].first()
    nb.boxplot(ax1, [measured.loc[measured['group'] == g, 'energy_j'] / div for g in groups],
               [g.replace(' / ', '\\n') for g in groups], [envs[first[g]]['color'] for g in groups])
    ax1.tick_params(axis='x', labelsize=8)
    ax1.set_ylabel(ylabel)
    ax1.set_xlabel('environment / architecture / dataset (box: its runs)')
    ax1.set_title('distribution per group')
    for env, g in measured.groupby('environment'):
        ax2.scatter(g['duration_min'], g['energy_j'] / div, s=24, alpha=0.8, label=env,
                    edgecolor='none', **envs[env])
    ax2.set_xlabel('duration per run (min)')
    ax2.set_title('against duration (one point per run)')
    ax2.legend(title='environment')
    fig.suptitle(f'Energy of each run, {len(measured)} runs with a measured energy')
    fig.tight_layout()
    nb.savefig(fig, 'overview')
    plt.show()
"""),
    md("""
## The two transform profiles

`gaissa` reproduces the replication package's numbers (its truncations included),
`default` is the corrected computation. `v_profile_diff` shows, per run, how far
they are apart.
"""),
    code("""
diff = nb.view('v_profile_diff')
if diff.empty:
    if nb.has('v_profile_diff'):
        nb.note('v_profile_diff is empty: the database holds one profile only '
                '(`wattdb transform --profile gaissa` adds the other)')
else:
    numeric = diff.select_dtypes('number').drop(columns='run_id', errors='ignore')
    print(len(diff), 'runs in both profiles')
    display(numeric.describe().T.round(4))
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '02-energy',
    md("""
# 02 · Energy against architecture and environment

The cleaning of the replication package (anchor §4.5) over `v_run` and `v_epoch`,
then its first two research questions: how the architecture (RQ1) and the training
environment (RQ2) relate to energy per image, energy per epoch, GPU usage and
time, with Kruskal-Wallis tests and Spearman correlations (scipy).

Cleaning, step by step (`nb.clean_runs`):
1. return code 0 (a run killed out of memory has −9);
2. no missing measurement (GPU and RAM energy, duration, power, usage); installed
   RAM and GFLOPs filled within the run's setting first, as the replication package does;
3. at least 20 measured epochs (`MAX(epoch)+1` in `v_epoch`);
4. the sampling period (`v_run.sampling_period_s`, the measured median GPU
   interval) not longer than the run's shortest epoch: such a run cannot give
   per-epoch energies;
5. outliers: `IsolationForest(contamination=0.1, random_state=2022)` per
   (environment, architecture, dataset) on z-scored measurements. The replication
   package left the seed unset; here it is fixed so the result is reproducible.
"""),
    SETUP,
    code("""
print(nb.EPOCH_FACTS_SQL)
clean, steps = nb.clean_runs()
"""),
    code("""
all_runs = nb.runs()
if len(all_runs):
    kept = all_runs.merge(clean[nb.KEY], on=nb.KEY, how='left', indicator=True)
    kept['clean'] = kept['_merge'] == 'both'
    display(kept.groupby(nb.GROUP)['clean'].agg(runs='size', clean='sum'))
"""),
    md("""
## The energy measure

The replication package compares runs by energy per image seen (J/image): its
runs have different dataset sizes and epoch counts. That needs the dataset sizes
and batch size of each run (`runs.csv` or performance files); without them the
analyses below use energy per epoch, and without epochs the energy of the run.
"""),
    code("""
def first_measure(df, choices):
    for col, label in choices:
        if col in df and df[col].notna().any():
            return col, label
    return None, None

ENERGY, ENERGY_LABEL = first_measure(clean, [('energy_j_per_image', 'energy (J/image)'),
                                              ('energy_j_per_epoch', 'energy (J/epoch)'),
                                              ('energy_j', 'energy (J)')])
TIME, TIME_LABEL = first_measure(clean, [('ms_per_image', 'duration (ms/image)'),
                                          ('duration_s', 'duration (s)')])
print('energy measure:', ENERGY_LABEL, '| time measure:', TIME_LABEL)
if ENERGY is None:
    nb.note('no clean run: the analyses below have nothing to show')
"""),
    md("""
## Energy per image seen, every run

The energy of each run over the images its training saw (`v_run.energy_j /
total_seen_images`, J/image), for every run that has both, cleaned or not: the
images seen come from the study's metadata (`model-metrics-*.csv`, format
`run-metadata`) or `runs.csv`, else from the dataset sizes, batch size and the
measured epochs. Without them the value is unknown (NULL) and nothing is drawn.
"""),
    code("""
per_image = pd.DataFrame()
if len(all_runs) and 'total_seen_images' in all_runs:
    per_image = all_runs.dropna(subset=['energy_j', 'total_seen_images'])
    per_image = per_image[per_image['total_seen_images'] > 0]
if per_image.empty:
    nb.note('no run with both energy and images seen (total_seen_images needs the study metadata, '
            'runs.csv, or sizes and epochs): no energy per image')
else:
    per_image = per_image.assign(j_per_image=per_image['energy_j'] / per_image['total_seen_images'])
    display(per_image.groupby(['environment', 'architecture'])['j_per_image']
            .agg(runs='count', median='median', min='min', max='max').round(4))
    envs = sorted(per_image['environment'].unique())
    arch_style = nb.styles(sorted(per_image['architecture'].unique()))
    div, unit = nb.energy_unit(per_image['j_per_image'], per='image')  # one unit for the row
    fig, axes = plt.subplots(1, len(envs), squeeze=False, sharey=True, figsize=(5.5 * len(envs), 3.8))
    for ax, env in zip(axes[0], envs):
        g = per_image[per_image['environment'] == env]
        archs = sorted(g['architecture'].unique())
        nb.boxplot(ax, [g.loc[g['architecture'] == a, 'j_per_image'] / div for a in archs], archs,
                   [arch_style[a]['color'] for a in archs])
        ax.set_title(f'{env} ({len(g)} runs)', fontsize=10)
        if ax is axes[0][0]:
            ax.set_ylabel(f'energy per image seen ({unit}), one per run')
        ax.set_xlabel('architecture (box: its runs)')
    fig.suptitle('Energy per image seen, by architecture')
    fig.tight_layout()
    nb.savefig(fig, 'energy-per-image')
    plt.show()
"""),
    md("""
## RQ1: architectures within one environment and dataset

Medians per (environment, dataset, architecture), then a Kruskal-Wallis test across
architectures for each measure, with η² = (H − k + 1)/(n − k).
"""),
    code("""
MEASURES = [(c, l) for c, l in [(ENERGY, ENERGY_LABEL), ('gpu_usage_pct', 'GPU usage (%)'),
                                (TIME, TIME_LABEL), ('f1', 'F1'), ('accuracy', 'accuracy')]
            if c and c in clean and clean[c].notna().any()]
cols = [c for c, _ in MEASURES]
if ENERGY:
    medians = clean.groupby(['environment', 'dataset', 'architecture'])[cols].median()
    display(medians.round(4))
"""),
    code("""
def kruskal_table(df, within, across):
    rows = []
    for key, g in df.groupby(within):
        if g[across].nunique() < 2:
            continue
        for col, label in MEASURES:
            rows.append({**dict(zip(within, key if isinstance(key, tuple) else (key,))),
                         'measure': label, **nb.kruskal(g, col, across)})
    return pd.DataFrame(rows)

rq1 = kruskal_table(clean, ['environment', 'dataset'], 'architecture') if ENERGY else pd.DataFrame()
if rq1.empty:
    nb.note('no environment and dataset with two architectures: no RQ1 test')
rq1.round(6)
"""),
    code("""
def boxplots(df, panel_by, x, name, title):
    panels = [(k, g) for k, g in df.groupby(panel_by) if g.dropna(subset=[ENERGY])[x].nunique() >= 2]
    if not panels:
        nb.note(f'no {" and ".join(panel_by)} with two {x} values or more: nothing to compare')
        return
    meas = [(ENERGY, ENERGY_LABEL)] + [(c, l) for c, l in MEASURES if c == 'gpu_usage_pct']
    # a row per measure, a column per panel: one scale per row, each level its colour
    look = nb.styles(sorted(df[x].dropna().unique()))
    width = max(len(g[x].unique()) for _, g in panels)
    fig, axes = plt.subplots(len(meas), len(panels), squeeze=False, sharey='row',
                             figsize=(max(4, 1.1 * width) * len(panels) + 1, 3.4 * len(meas)))
    for row, (col, label) in zip(axes, meas):
        div, ylabel = nb.in_unit(col, df[col])
        for ax, (key, g) in zip(row, panels):
            levels = sorted(g[x].unique())
            nb.boxplot(ax, [g.loc[g[x] == v, col].dropna() / div for v in levels], levels,
                       [look[v]['color'] for v in levels])
        row[0].set_ylabel(ylabel)
    for ax, (key, g) in zip(axes[0], panels):
        ax.set_title(' / '.join(k for k in key if k) if isinstance(key, tuple) else key)
    for ax in axes[-1]:
        ax.set_xlabel(f'{x} (box: its clean runs)')
    fig.suptitle(title + '\\n' + ' and '.join(nb.LABELS.get(c, c) for c, _ in meas)
                 + f' of the clean runs, by {x}')
    fig.tight_layout()
    nb.savefig(fig, name)
    plt.show()

if ENERGY:
    boxplots(clean, ['environment', 'dataset'], 'architecture', 'energy-by-architecture',
             'RQ1: architectures within an environment')
"""),
    md("""
Median energy reduction within each environment and dataset: how much less energy
each architecture's median takes than the most consuming architecture's median
(100 − median / max median × 100).
"""),
    code("""
if ENERGY:
    med = clean.groupby(['environment', 'dataset', 'architecture'])[ENERGY].median().rename('median')
    top = med.groupby(level=['environment', 'dataset']).transform('max')
    display((100 - med / top * 100).rename('median energy reduction (%)').round(2).to_frame())
"""),
    md("""
## RQ2: environments for one architecture and dataset

The same architecture trained in different environments (GPUs, drivers, RAM).
"""),
    code("""
rq2 = kruskal_table(clean, ['architecture', 'dataset'], 'environment') if ENERGY else pd.DataFrame()
if rq2.empty:
    nb.note('no architecture trained in two environments: no RQ2 test')
else:
    display(rq2.round(6))
    shared = clean.groupby(['architecture', 'dataset'])['environment'].transform('nunique') > 1
    boxplots(clean[shared], ['architecture', 'dataset'], 'environment', 'energy-by-environment',
             'RQ2: environments for an architecture')
"""),
    code("""
if ENERGY and not rq2.empty:
    med = clean.groupby(['architecture', 'dataset', 'environment'])[ENERGY].median()
    worst = med.groupby(level=['architecture', 'dataset']).transform('max')
    display(((worst - med) / worst).rename('improvement over the worst environment').round(4).to_frame())
"""),
    md("""
## Spearman correlations per environment

As in the replication package: energy against F1 and against GPU usage, average GPU
power against GPU usage, energy and GPU usage against GFLOPs. One-sided
(`alternative='greater'`), per environment, over the runs of all architectures.
"""),
    code("""
PAIRS = [(ENERGY, 'f1'), ('avg_gpu_power_w', 'gpu_usage_pct'), (ENERGY, 'gpu_usage_pct'),
         (ENERGY, 'gflops'), ('gpu_usage_pct', 'gflops')]
rows = []
for env, g in (clean.groupby('environment') if ENERGY else []):
    for x, y in PAIRS:
        if x in g and y in g:
            rho, p = nb.spearman(g[x], g[y], alternative='greater')
            rows.append({'environment': env, 'x': x, 'y': y, 'n': int(g[[x, y]].dropna().shape[0]),
                         'rho': rho, 'p': p})
corr = pd.DataFrame(rows)
if len(corr):
    lacking = corr[corr['rho'].isna()]
    if len(lacking):
        nb.note('too few runs with values (or no spread) for: '
                + ', '.join(sorted(set(lacking['x'] + ' ~ ' + lacking['y']))))
    corr = corr.dropna(subset=['rho'])
corr.round(6)
"""),
    code("""
have = corr
if len(have):
    # one cell per pair (row) and environment (column): rho as colour, with its n and p
    pair = lambda x, y: f'{nb.LABELS.get(x, x)} ~ {nb.LABELS.get(y, y)}'
    pairs = list(dict.fromkeys(pair(x, y) for x, y in PAIRS if x in have['x'].values))
    pairs = [p for p in pairs if p in set(pair(x, y) for x, y in zip(have['x'], have['y']))]
    envs = sorted(clean['environment'].unique())
    grid = np.full((len(pairs), len(envs)), np.nan)
    fig, ax = plt.subplots(figsize=(2.2 * len(envs) + 3.5, 0.8 * len(pairs) + 1.8))
    for i, (x, y) in enumerate((x, y) for x, y in PAIRS if pair(x, y) in pairs):
        for j, env in enumerate(envs):
            hit = have[(have['environment'] == env) & (have['x'] == x) & (have['y'] == y)]
            if len(hit):
                r = hit.iloc[0]
                grid[i, j] = r['rho']
                p = 'p < 0.001' if r['p'] < 1e-3 else f"p = {r['p']:.3f}"
                text, tc = f"ρ = {r['rho']:.2f}\\nn = {r['n']}, {p}", \\
                    'white' if abs(r['rho']) > 0.6 else 'black'
            else:
                g = clean[clean['environment'] == env]
                n = int(g[[x, y]].dropna().shape[0]) if x in g and y in g else 0
                text, tc = f'no test\\nn = {n}', 'black'
            ax.text(j, i, text, ha='center', va='center', fontsize=8, color=tc)
    im = ax.imshow(np.ma.masked_invalid(grid), cmap='RdBu_r', vmin=-1, vmax=1, aspect='auto')
    ax.set_facecolor('#eeeeee')
    ax.set_xticks(range(len(envs)), envs)
    ax.set_yticks(range(len(pairs)), pairs)
    ax.set_xlabel('environment (n: its clean runs with both values)')
    ax.spines[:].set_visible(False)
    fig.colorbar(im, ax=ax, label='Spearman ρ')
    ax.set_title('Spearman correlation per environment over the clean runs\\n'
                 '(one-sided, alternative ρ > 0; grey: too few runs or no spread)')
    fig.tight_layout()
    nb.savefig(fig, 'spearman')
    plt.show()
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '03-estimation',
    md("""
# 03 · Estimating a run's energy from a few stable epochs

The replication package's question (anchor §4.6, RQ3-2): after the first epochs the
power draw is stable, so a few measured epochs should predict the energy of the
whole run. From the clean runs, with the stabilizing epoch fixed at S = 10 as the
package assumes and a window of w epochs from S:

* **online, power-based**: mean GPU + RAM power over the window × run duration;
* **online, epoch-energy-based**: window energy × stable epochs / w + energy of the
  epochs before S;
* **Green Algorithms**: (power limit × GPU usage + installed RAM × 0.3725 W/GB) × duration;
* **MLCO2**: power limit × duration.

All against the measured energy of the run (GPU + RAM, kJ); RMSE by window size.
The window's mean power is time-weighted over its epochs (Σ energy / Σ duration).
"""),
    SETUP,
    code("""
S = 10            # stabilizing epoch
W_MAX = 10        # largest window
HEADLINE_W = 5    # the window of the published comparison
RNG_SEED = 2024   # the random-start variant's seed, as in the replication package

clean, _ = nb.clean_runs(verbose=False)
ep = nb.epochs()
if len(ep) and len(clean):
    ep = ep.merge(clean[nb.KEY], on=nb.KEY).sort_values(nb.KEY + ['epoch'])
print(len(clean), 'clean runs,', len(ep), 'of their epochs')
"""),
    code("""
def run_facts(clean):
    r = clean.set_index(nb.KEY)
    f = pd.DataFrame(index=r.index)
    f['true_kj'] = r['energy_j'] / 1e3
    f['duration_s'] = r['duration_s']
    f['limit_w'] = r.get('max_power_limit_w')
    f['usage'] = r.get('gpu_usage_pct') / 100
    ram_w = r['total_ram_gb'] * 0.3725 if 'total_ram_gb' in r else np.nan
    # without the installed RAM, the package's by-epoch variant: the measured mean RAM power
    f['ga_ram_w'] = pd.Series(ram_w, index=r.index).fillna(r.get('avg_ram_power_w'))
    f['ga_kj'] = (f['limit_w'] * f['usage'] + f['ga_ram_w']) * f['duration_s'] / 1e3
    f['mlco2_kj'] = f['limit_w'] * f['duration_s'] / 1e3
    return f

facts = run_facts(clean) if len(clean) else pd.DataFrame()
facts.describe().T.round(3) if len(facts) else nb.note('no clean run')
"""),
    code("""
def window_estimates(ep, facts, w):
    '''One row per run that has S + w epochs: the four estimates for window w.'''
    rows = []
    for key, e in ep.groupby(nb.KEY):
        if key not in facts.index:
            continue
        e = e.set_index('epoch').sort_index()
        stable = e[e.index >= S]
        if len(stable) < w:
            continue
        win = stable.iloc[:w]
        f = facts.loc[key]
        mean_w = win['energy_j'].sum() / win['duration_s'].sum()
        initial_j = e.loc[e.index < S, 'energy_j'].sum()
        rows.append({**dict(zip(nb.KEY, key)), 'w': w, 'n_stable': len(stable),
                     'true_kj': f['true_kj'],
                     'power_kj': mean_w * f['duration_s'] / 1e3,
                     'epoch_kj': (win['energy_j'].sum() * len(stable) / w + initial_j) / 1e3,
                     'ga_kj': f['ga_kj'], 'mlco2_kj': f['mlco2_kj']})
    return pd.DataFrame(rows)

ESTIMATORS = {'power_kj': 'online power-based', 'epoch_kj': 'online epoch-energy-based',
              'ga_kj': 'Green Algorithms', 'mlco2_kj': 'MLCO2'}
est = pd.concat([window_estimates(ep, facts, w) for w in range(1, W_MAX + 1)],
                ignore_index=True) if len(ep) and len(facts) else pd.DataFrame()
if est.empty:
    nb.note(f'no clean run has {S + 1} epochs or more in v_epoch: the window estimators need '
            'epoch data; only the run-level estimators are compared below')
"""),
    md("## RMSE by window size (kJ)"),
    code("""
if len(est):
    by_w = est.groupby('w').apply(lambda g: pd.Series(
        {'runs': len(g), **{label: nb.rmse(g[c], g['true_kj']) for c, label in ESTIMATORS.items()}}))
    display(by_w.round(4))
    look = nb.styles(ESTIMATORS.values())
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for c, label in ESTIMATORS.items():     # dashed: the run-level ones, same runs as w
        ax.plot(by_w.index, by_w[label], label=label, ls='--' if c in ('ga_kj', 'mlco2_kj') else '-',
                **look[label])
    ax.set_yscale('log')
    ax.set_xlabel(f'window w (epochs measured from epoch {S})')
    ax.set_ylabel('RMSE of the run energy (kJ, log scale)')
    runs_w = f"{int(by_w['runs'].min())}" + (f"–{int(by_w['runs'].max())}"
                                            if by_w['runs'].nunique() > 1 else '')
    ax.set_title('Estimated against measured energy of a run, by window size\\n'
                 f'each point: RMSE over the {runs_w} clean runs with {S} + w epochs '
                 '(the run-level estimators do not use the window)')
    ax.legend()
    fig.tight_layout()
    nb.savefig(fig, 'estimation-rmse-by-window')
    plt.show()
elif len(facts):
    display(pd.Series({ESTIMATORS[c]: nb.rmse(facts[c], facts['true_kj'])
                       for c in ['ga_kj', 'mlco2_kj']}, name='RMSE (kJ)').round(4))
"""),
    md("## The headline window\n\nRelative error (estimate / measured − 1) per run, window of 5 epochs."),
    code("""
head = est[est['w'] == HEADLINE_W] if len(est) else est
if len(head):
    rel = pd.DataFrame({label: head[c] / head['true_kj'] - 1 for c, label in ESTIMATORS.items()})
    display(rel.describe().T.round(4))
    look = nb.styles(ESTIMATORS.values())
    fig, ax = plt.subplots(figsize=(8, 4))
    nb.boxplot(ax, [rel[c].dropna() * 100 for c in rel], list(rel),
               [look[c]['color'] for c in rel], vert=False)
    ax.invert_yaxis()
    ax.axvline(0, color=nb.GREY, lw=0.8)
    ax.set_xlabel('relative error of the run energy (estimate / measured − 1, %)')
    ax.set_title(f'Relative error of each estimator, window of {HEADLINE_W} epochs from epoch {S}'
                 f'\\nbox: {len(head)} clean runs, one error per run')
    fig.tight_layout()
    nb.savefig(fig, 'estimation-relative-error')
    plt.show()
else:
    nb.note(f'no run with {S + HEADLINE_W} epochs')
"""),
    md("""
## A window starting at a random stable epoch

The package's variant: the window of 5 epochs starts at an epoch drawn among the
stable ones (all but the last 5), `default_rng(2024)`; the estimate is the energy
before the window plus the window's energy × (epochs − start) / 5.
"""),
    code("""
rng = np.random.default_rng(RNG_SEED)
rows = []
for key, e in (ep.groupby(nb.KEY) if len(ep) and len(facts) else []):
    if key not in facts.index:
        continue
    e = e.set_index('epoch').sort_index()
    starts = [s for s in e.index if s >= S][:-HEADLINE_W]
    if not starts:
        continue
    s = int(rng.choice(starts))
    pos = e.index.get_loc(s)
    win = e.iloc[pos:pos + HEADLINE_W]
    before_j = e.iloc[:pos]['energy_j'].sum()
    n_total = len(e)
    rows.append({**dict(zip(nb.KEY, key)), 'start': s, 'true_kj': facts.loc[key, 'true_kj'],
                 'epoch_kj': (before_j + win['energy_j'].sum() * (n_total - pos) / HEADLINE_W) / 1e3,
                 'power_kj': win['energy_j'].sum() / win['duration_s'].sum()
                             * facts.loc[key, 'duration_s'] / 1e3})
rand = pd.DataFrame(rows)
if rand.empty:
    nb.note('no run with enough stable epochs for a random start')
else:
    print(len(rand), 'runs; RMSE (kJ):',
          {ESTIMATORS[c]: round(nb.rmse(rand[c], rand['true_kj']), 4) for c in ['power_kj', 'epoch_kj']})
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '04-regression',
    md("""
# 04 · Predicting power and epoch energy before training

The replication package's predictors (anchor §4.7): from what is known before a run
starts (batch size, image size, dataset sizes, GFLOPs, installed RAM, GPU specs or,
without them, the GPU's power limit), predict the run's average GPU power and its
average energy per epoch (all epochs, and the stable ones from epoch 10). Linear, ridge
and kernel-ridge (RBF) regressors from scikit-learn; a 70/30 split with seed 2022;
the scaler is fitted on the training split only (inside the pipeline, so cross
validation refits it on each fold too); hyper-parameters by 5-fold cross validation
on the training split; RMSE on the test split.
"""),
    SETUP,
    code("""
from sklearn.model_selection import train_test_split, GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics import mean_squared_error, r2_score

SEED = nb.SEED
STABLE = 10       # the stabilizing epoch of 03-estimation
clean, _ = nb.clean_runs(verbose=False)

# targets: the run's average GPU power (v_run) and its mean epoch energy, over all
# epochs and over the stable ones (v_epoch)
data = clean.copy()
ep = nb.epochs()
if len(ep) and len(data):
    per_run = ep.groupby(nb.KEY).agg(avg_epoch_energy_j=('energy_j', 'mean'),
                                     n_epochs=('epoch', 'size'))
    stable = ep[ep['epoch'] >= STABLE].groupby(nb.KEY)['energy_j'].mean()
    data = data.merge(per_run, on=nb.KEY, how='left').merge(
        stable.rename('avg_stable_epoch_energy_j'), on=nb.KEY, how='left')

# predictors: the run metadata of v_run, and whatever v_features adds (GPU specs, image sides)
features = nb.view('v_features')
if 'profile' in features:
    features = features[features['profile'] == nb.profile()]
extra = [c for c in features if c not in data]
if extra and len(data):
    data = data.merge(features[nb.KEY + extra], on=nb.KEY, how='left')
print(len(data), 'clean runs;', len(features), 'rows in v_features adding', extra or 'nothing')
"""),
    code("""
# known before training (anchor §4.7): the run metadata of v_run and, from v_features,
# the image sides and the GPU's specs; without a GPU spec, the GPU's power limit
CANDIDATES = ['batch_size', 'total_ram_gb', 'train_size', 'validation_size', 'gflops',
              'image_height_px', 'image_width_px',
              'gpu_cuda_cores', 'gpu_total_memory_gb', 'gpu_max_power_w']
FALLBACK = {'image_height_px': 'image_size', 'gpu_max_power_w': 'max_power_limit_w'}
CANDIDATES = [c if c in nb.present(data, [c]) else FALLBACK.get(c, c) for c in CANDIDATES]
TARGETS = {'avg_gpu_power_w': 'average GPU power (W)',
           'avg_epoch_energy_j': 'average epoch energy (J)',
           'avg_stable_epoch_energy_j': 'average stable epoch energy (J)'}
X_COLS = [c for c in nb.present(data, CANDIDATES) if data[c].nunique() > 1] if len(data) else []
Y_COLS = nb.present(data, list(TARGETS)) if len(data) else []
print('features:', X_COLS)
print('targets:', Y_COLS)
if not X_COLS or not Y_COLS:
    nb.note('no predictor with more than one value, or no target: run metadata '
            '(runs.csv: batch size, image size, dataset sizes, GFLOPs) is needed for regression')
elif len(data[X_COLS].dropna().drop_duplicates()) < 10:
    nb.note(f'only {len(data[X_COLS].dropna().drop_duplicates())} distinct settings of the '
            'predictors: a model can learn little more than their means; run metadata '
            '(runs.csv) gives it more to work with')
"""),
    code("""
MODELS = {
    'linear': (LinearRegression(), {}),
    'ridge': (Ridge(), {'ridge__alpha': np.logspace(-3, 3, 13)}),
    'kernel ridge': (KernelRidge(kernel='rbf'),
                     {'kernelridge__alpha': np.logspace(-5, 1, 7),
                      'kernelridge__gamma': np.logspace(-3, 1, 5)}),
}

def rmse(a, b):
    return float(np.sqrt(mean_squared_error(a, b)))

def fit_all(target):
    d = data.dropna(subset=X_COLS + [target])
    if len(d) < 10:
        nb.note(f'{target}: {len(d)} complete rows, too few to fit')
        return pd.DataFrame(), None
    train, test = train_test_split(d, test_size=0.30, random_state=SEED)
    folds = min(5, len(train))
    rows, best = [], None
    for name, (model, grid) in MODELS.items():
        search = GridSearchCV(make_pipeline(StandardScaler(), model), grid or {}, cv=folds,
                              scoring='neg_root_mean_squared_error')
        search.fit(train[X_COLS], train[target])
        pred = search.predict(test[X_COLS])
        row = {'target': target, 'model': name, 'train': len(train), 'test': len(test),
               'cv rmse': -search.best_score_, 'test rmse': rmse(test[target], pred),
               'test r2': r2_score(test[target], pred) if len(test) > 1 else np.nan,
               'params': {k.split('__')[1]: round(float(v), 5) for k, v in search.best_params_.items()}}
        rows.append(row)
        if best is None or row['cv rmse'] < best[0]['cv rmse']:
            best = (row, test.assign(pred=pred))
    return pd.DataFrame(rows), best

results, bests = [], {}
for target in Y_COLS:
    r, best = fit_all(target)
    results.append(r)
    if best:
        bests[target] = best
results = pd.concat(results, ignore_index=True) if results else pd.DataFrame()
results
"""),
    md("""
## From the predicted average to the run's energy

As in the replication package: predicted power × the run's duration, and predicted
energy per epoch × the run's epochs, against the measured energy of the run
(GPU + RAM, so the power model misses the RAM share by construction). The stable-epoch
model predicts the epochs after warm-up only, so it underestimates a whole run.
"""),
    code("""
rows = []
for target, (row, test) in bests.items():
    if target == 'avg_gpu_power_w':
        est_kj = test['pred'] * test['duration_s'] / 1e3
    elif 'n_epochs' in test:
        est_kj = test['pred'] * test['n_epochs'] / 1e3
    else:
        continue
    rows.append({'target': target, 'best model (cv)': row['model'],
                 'runs': int(est_kj.notna().sum()),
                 'run energy rmse (kJ)': nb.rmse(est_kj, test['energy_j'] / 1e3)})
pd.DataFrame(rows)
"""),
    code("""
if bests:
    # measured and predicted on one scale per panel (y = x), in the target's unit: W for
    # power, kJ for an epoch's energy; RMSE in the same unit
    fig, axes = plt.subplots(1, len(bests), figsize=(4.8 * len(bests), 4.9), squeeze=False)
    for ax, (target, (row, test)) in zip(axes[0], bests.items()):
        div, label = nb.in_unit(target, test[target])
        unit = label[label.rindex('(') + 1:-1] if label.endswith(')') else ''
        meas, pred = test[target] / div, test['pred'] / div
        ax.scatter(meas, pred, s=22, alpha=0.8, color=nb.PALETTE[0], edgecolor='none',
                   label=f'test run ({len(test)})')
        lo, hi = np.nanmin([meas.min(), pred.min()]), np.nanmax([meas.max(), pred.max()])
        pad = 0.05 * (hi - lo or 1)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color=nb.GREY, lw=0.8, label='y = x')
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_aspect('equal')
        ax.set_xlabel('measured ' + label)
        ax.set_ylabel('predicted ' + label)
        ax.set_title(f"{row['model']}, best by CV: test RMSE {row['test rmse'] / div:.3g} {unit}")
        ax.legend(loc='upper left')
    fig.tight_layout()
    fig.suptitle('Predicted against measured, one point per run of the 30 % test split', y=1.03)
    nb.savefig(fig, 'regression-test-set')
    plt.show()
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '05-sources',
    md("""
# 05 · The same runs seen by several tools

Researchers measure a run with more than one tool: the GPU log of the profiler
(eprof), nvidia-smi, CodeCarbon, Linux `perf stat` RAPL counters, a wall-plug
wattmeter. `wattdb transform` attaches each log to the runs it belongs to (by folder
and stamp, else by overlapping time) and integrates it: `source_energy` holds the
energy per run (or session: a log that overlaps no run), source, component and
device; `source_reconciliation` sets the wall energy against the components (GPU +
RAPL package + RAPL DRAM). Side by side they show what each tool sees: the
wattmeter the whole machine, RAPL the CPU package and DRAM, nvidia-smi the GPU.
"""),
    SETUP,
    code("""
files = nb.query('''SELECT coalesce(format, '(unrecognised)') AS format, status, count(*) AS files,
                           sum(rows_ok) AS rows FROM source_file GROUP BY 1, 2 ORDER BY 1, 2''')
files
"""),
    code("""
energy = nb.view('source_energy')
if energy.empty:
    nb.note('no energy from any source: the sections below have nothing to show')
    summary = pd.DataFrame()
else:
    summary = energy.groupby(['source', 'component']).agg(
        runs=('run_id', 'nunique'), sessions=('session_file_id', 'nunique'),
        files=('file_id', 'nunique'), devices=('device', 'nunique'),
        energy_kj=('energy_j', lambda e: e.sum() / 1e3)).round(3)
summary
"""),
    md("""
## Energy per run and source

One column per source and component (devices summed), in kJ, for the runs that a
source other than their own eprof GPU log measured, next to the run's GPU and RAM
energy as the chosen transform profile computes them (`v_run`).
"""),
    code("""
runs = nb.runs()
attached = energy[energy['run_id'].notna()].astype({'run_id': 'int64'}) if len(energy) else energy
others = attached[attached['source'] != 'eprof-gpu'] if len(attached) else attached
if others.empty or runs.empty:
    nb.note('no source besides the eprof logs is attached to a run: nothing to set side by side')
    side = pd.DataFrame()
else:
    wide = (attached.assign(col=attached['source'] + ' ' + attached['component'])
            .pivot_table(index='run_id', columns='col', values='energy_j', aggfunc='sum'))
    wide = wide[wide.index.isin(others['run_id'])]
    side = (runs.set_index('run_id')[nb.KEY + ['gpu_energy_j', 'ram_energy_j']]
            .rename(columns={'gpu_energy_j': 'v_run gpu', 'ram_energy_j': 'v_run ram'})
            .join(wide, how='inner'))
    # a run without an eprof measurement (perf alone, as in an inference study) has
    # nothing to be set next to
    alone = side['v_run gpu'].isna() & side['v_run ram'].isna()
    if alone.any():
        nb.note(f'{int(alone.sum())} run(s) measured by other tools only, no eprof energy: '
                'not set side by side')
    side = side[~alone]
    display(pd.concat([side[nb.KEY], (side.select_dtypes('number') / 1e3).round(3)], axis=1))
"""),
    code("""
if len(side):
    # one panel per component, one colour per tool; each measurement once: the eprof GPU
    # log as source_energy integrates it (the rule of the other sources; v_run's own GPU
    # figure is the same log), eprof's RAM from v_run, no codecarbon 'total' (its sum)
    PANEL = {'gpu': 'GPU', 'cpu': 'CPU package', 'rapl_pkg': 'CPU package',
             'ram': 'RAM', 'rapl_dram': 'RAM', 'wall': 'whole machine (wall)\\nover the span the meter logged'}
    series = []     # (panel, tool, column)
    for c in side.select_dtypes('number'):
        tool, comp = c.rsplit(' ', 1)
        if comp == 'total' or (c == 'v_run gpu' and 'eprof-gpu gpu' in side):
            continue
        tool = {'v_run': 'eprof', 'eprof-gpu': 'eprof', 'perf': 'perf (RAPL)'}.get(tool, tool)
        series.append((PANEL.get(comp, comp), tool, c))
    order = list(dict.fromkeys(PANEL.values()))
    panels = sorted(dict.fromkeys(p for p, _, _ in series),
                    key=lambda p: order.index(p) if p in order else len(order))
    tools = sorted(dict.fromkeys(t for _, t, _ in series), key=lambda t: (t != 'eprof', t))
    look = nb.styles(tools)
    series.sort(key=lambda s: tools.index(s[1]))
    div, ylabel = nb.in_unit('energy_j', side[[c for _, _, c in series]].stack())
    x = np.arange(len(side))
    fig, axes = plt.subplots(1, len(panels), sharey='row', squeeze=False,
                             figsize=(max(3.2, 1.2 * len(side)) * len(panels), 4.5))
    for ax, panel in zip(axes[0], panels):
        here = [(t, c) for p, t, c in series if p == panel]
        width = 0.8 / len(here)
        for i, (t, c) in enumerate(here):
            bars = ax.bar(x + (i - (len(here) - 1) / 2) * width, side[c] / div, width, label=t,
                          color=look[t]['color'])
            ax.bar_label(bars, fmt='%.1f', fontsize=6, padding=1)
        ax.set_xticks(x, side['architecture'] + '\\n' + side['stamp'], fontsize=7)
        ax.set_title(panel)
    axes[0][0].set_ylabel(ylabel)
    handles = [plt.Rectangle((0, 0), 1, 1, color=look[t]['color']) for t in tools]
    fig.legend(handles, tools, title='measured by', loc='center left', bbox_to_anchor=(1, 0.5))
    fig.supxlabel('run (architecture, stamp)', fontsize=9)
    fig.suptitle('The same runs measured by each tool, by component (devices summed)')
    fig.tight_layout()
    nb.savefig(fig, 'sources-per-run')
    plt.show()
"""),
    md("""
The GPU energy of each other source against the run's own eprof GPU log,
integrated by the same rule: the ratio source / eprof per run.
"""),
    code("""
gpu_cols = [c for c in side if c.endswith(' gpu') and c not in ('eprof-gpu gpu', 'v_run gpu')]
if len(side) and 'eprof-gpu gpu' in side and gpu_cols:
    display(side[nb.KEY].join(side[gpu_cols].div(side['eprof-gpu gpu'], axis=0).round(4)))
else:
    print('no other source measured the GPU of a run')
"""),
    md("""
## Power over time: every source of a run on one axis

`v_power` holds every power reading the sources above integrated (eprof GPU,
nvidia-smi, wattmeter sockets, Zeus power logs, PowerJoular, powermetrics,
AIPowerMeter), each at
its time on the runs' clock (UTC logs shifted by their offset). The run that most
sources measured, its readings by source, component and device, against the seconds
since its first reading (of the wattmeter, the sockets of the setting `wall_sockets`
when it is set).
"""),
    code("""
if not nb.has('v_power'):
    nb.note('this database has no v_power: run wattdb transform with this wattdb')
    best = run_power = pd.DataFrame()
else:
    best = nb.query('SELECT run_id, count(DISTINCT source) AS sources, count(*) AS readings '
                    'FROM v_power WHERE run_id IS NOT NULL '
                    'GROUP BY run_id ORDER BY sources DESC, readings DESC, run_id LIMIT 1')
    run_power = (nb.query('SELECT * FROM v_power WHERE run_id = ? ORDER BY ts_us',
                          (int(best['run_id'][0]),)) if len(best) else pd.DataFrame())
if run_power.empty:
    nb.note('no power readings attached to a run')
else:
    run_id = int(best['run_id'][0])
    sockets = nb.query("SELECT value FROM setting WHERE name = 'wall_sockets'")
    if len(sockets):    # the wall meter's sockets that feed this machine (--wall-sockets)
        keep = {x.strip() for x in str(sockets['value'][0]).split(',')}
        run_power = run_power[(run_power['source'] != 'wattmeter') | run_power['device'].isin(keep)].copy()
    run_power['t_s'] = (run_power['ts_us'] - run_power['ts_us'].min()) / 1e6
    series = run_power.groupby(['source', 'component', 'device'], sort=True)
    display(series.agg(readings=('power_w', 'size'), mean_w=('power_w', 'mean'),
                       max_w=('power_w', 'max'), first_s=('t_s', 'min'), last_s=('t_s', 'max')).round(2))
    look = nb.styles(sorted(run_power['source'].unique()))
    dash = dict(zip(sorted(run_power['component'].unique()), ['-', '--', ':', '-.'] * 4))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for (source, component, device), g in series:
        label = ' '.join(x for x in (source, component, device) if x)
        ax.plot(g['t_s'], g['power_w'], lw=0.8, color=look[source]['color'],
                ls=dash[component], label=label)
    title = 'Power of one run as each source saw it'
    key = runs[runs['run_id'] == run_id] if 'run_id' in runs else runs.iloc[0:0]
    if len(key):
        title += '\\n' + ' · '.join(str(key.iloc[0][k]) for k in ['architecture', 'stamp'])
    ax.set_title(title)
    ax.set_xlabel("seconds since the run's first reading")
    ax.set_ylabel('power (W)')
    ax.legend(fontsize=7, loc='center left', bbox_to_anchor=(1, 0.5), title='source component device')
    fig.tight_layout()
    nb.savefig(fig, 'sources-power-over-time')
    plt.show()
"""),
    md("""
## Reconciliation

The wall energy the wattmeter measured against the sum of the components the other
tools measured: the rest, `unaccounted`, is what no component counter sees (power
supply losses, fans, disks, the mainboard). `complete` says whether GPU, RAPL
package and RAPL DRAM were all measured.

Every energy of a row is over the same window: for a run with a wattmeter, the
meter's span within the run (`window` = `wall`; each component cut to it in
proportion to time), else the whole run (`run`). `window_s` is its length; the
`*_in_window` columns say how much of each component's own span it covers: a
one-minute wall log of a four-minute run compares one minute of GPU and RAPL
energy, and shows about 0.25 there.
"""),
    code("""
# In time order: a bar per window, in the same order from SQLite and from the
# lab server (whose run ids are its own).
rec = nb.view('source_reconciliation', order_by='window_start_us, window_end_us, wall_j')
if len(rec):
    if 'run_id' in runs:
        rec = rec.merge(runs[['run_id'] + nb.KEY], on='run_id', how='left')
    for c in ['run_id', 'session_file_id']:
        rec[c] = rec[c].astype('Int64')     # ids, NULL for a session (or a run)
    measured = [c for c in ['wall_j', 'rapl_pkg_j', 'rapl_dram_j', 'codecarbon_j'] if c in rec]
    shown = rec[rec[measured].notna().any(axis=1)]
    hidden = [c for c in ['window_start_us', 'window_end_us'] if c in shown]
    display(shown.drop(columns=hidden).round(3))
    wall = rec[rec['wall_j'].notna()]
    if wall.empty:
        nb.note('no wattmeter log: no wall energy to reconcile')
    elif wall['run_id'].isna().all():
        nb.note('the wattmeter logs overlap no run and stand as sessions: their times are UTC, '
                "the eprof ones local; the setting 'local_utc_offset_s' aligns them")
"""),
    code("""
both = rec[rec['wall_j'].notna() & rec['run_id'].notna()] if len(rec) else rec
if len(both):
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(both)), 4))
    bottom = np.zeros(len(both))
    labels = (both['architecture'].fillna('') + '\\n' + both['stamp'].fillna('') + '\\n'
              + both['window_s'].map('{:.0f} s'.format))
    parts = {'gpu_j': 'GPU', 'rapl_pkg_j': 'CPU package (RAPL)', 'rapl_dram_j': 'DRAM (RAPL)',
             'unaccounted_j': 'unaccounted (wall − components)'}
    div, unit = nb.energy_unit(both['wall_j'])
    look = dict(zip(parts, nb.PALETTE[:3] + [nb.GREY]))
    for c, name in parts.items():
        v = both[c].fillna(0).clip(lower=0).to_numpy() / div
        ax.bar(labels, v, bottom=bottom, label=name, color=look[c],
               hatch='//' if c == 'unaccounted_j' else None, edgecolor='white', lw=0.5)
        bottom += v
    ax.set_ylabel(f'energy in the window ({unit})')
    ax.set_xlabel('run (architecture, stamp, length of the window)')
    ax.set_title('Wall energy split into its measured components\\n'
                 'one bar per run: the window the wattmeter covers (bar height: wall energy)')
    ax.legend(fontsize=8, loc='upper left')
    fig.tight_layout()
    nb.savefig(fig, 'sources-reconciliation')
    plt.show()
"""),
    md("## Sessions: logs that overlap no run"),
    code("""
sessions = energy[energy['run_id'].isna()] if len(energy) else energy
if len(sessions):
    names = nb.query(f'SELECT {nb.source_file_key()} AS session_file_id, min(path) AS path'
                     ' FROM source_file GROUP BY 1')
    display(sessions.merge(names, on='session_file_id', how='left')
            .groupby(['path', 'source', 'component'])
            .agg(devices=('device', 'nunique'), energy_kj=('energy_j', lambda e: e.sum() / 1e3),
                 covered_s=('covered_s', 'sum')).round(3))
else:
    print('every log is attached to a run')
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '06-tradeoff',
    md("""
# 06 · Energy against training time

Each configuration (environment, batch size, image size and GPU power limit, where
the logs record them) is one point: the median energy and median training time of its
runs. For one architecture and dataset, a configuration is on the Pareto front when no
other configuration is both faster and less energy-hungry, as in the energy-time
trade-off figure of the Zeus paper. Every finished run counts (return code 0 and a
measured energy), not only the clean ones; the single runs are the faint dots.
"""),
    SETUP,
    code("""
runs = nb.runs()
if len(runs):
    runs = nb.finished(runs).dropna(subset=['energy_j', 'duration_s'])
TASK = ['architecture', 'dataset']      # what is trained: one panel, one front
CONFIG = ['environment'] + (nb.present(runs, ['batch_size', 'image_size', 'max_power_limit_w'])
                            if len(runs) else [])
print(len(runs), 'finished runs; configuration by', CONFIG)
"""),
    code("""
def pareto(points, x='duration_s', y='energy_j'):
    # True for the points that no other point beats on both x and y (a tie does not dominate)
    p = points[[x, y]].to_numpy()
    le = (p[None, :, 0] <= p[:, None, 0]) & (p[None, :, 1] <= p[:, None, 1])
    lt = (p[None, :, 0] < p[:, None, 0]) | (p[None, :, 1] < p[:, None, 1])
    return pd.Series(~(le & lt).any(axis=1), index=points.index)

if len(runs):
    configs = runs.groupby(TASK + CONFIG, dropna=False).agg(
        runs=('stamp', 'size'), duration_s=('duration_s', 'median'), energy_j=('energy_j', 'median'),
        avg_gpu_power_w=('avg_gpu_power_w', 'median')).reset_index()
    configs['pareto'] = False
    for _, idx in configs.groupby(TASK, dropna=False).groups.items():
        configs.loc[idx, 'pareto'] = pareto(configs.loc[idx])
    configs['energy_kj'] = configs['energy_j'] / 1e3
    configs['duration_min'] = configs['duration_s'] / 60
else:
    configs = pd.DataFrame()
if len(configs):
    display(configs.drop(columns=['energy_j', 'duration_s']).round(3))
"""),
    code("""
def label(row):
    parts = [row['environment']]
    if pd.notna(row.get('batch_size')):
        parts.append(f"bs {int(row['batch_size'])}")
    if pd.notna(row.get('image_size')):
        parts.append(f"{int(row['image_size'])} px")
    if pd.notna(row.get('max_power_limit_w')):
        parts.append(f"{row['max_power_limit_w']:.0f} W")
    return ', '.join(parts)

groups = [(k, g) for k, g in configs.groupby(TASK) if len(g) >= 2] if len(configs) else []
if not groups:
    nb.note('no architecture and dataset trained in two configurations or more: no trade-off to plot')
else:
    ncol = min(3, len(groups))
    nrow = -(-len(groups) // ncol)
    # one energy unit and one energy scale per row of panels; each configuration drawn once
    div, unit = nb.energy_unit(runs['energy_j'])
    fig, axes = plt.subplots(nrow, ncol, figsize=(5.5 * ncol, 4.4 * nrow), squeeze=False,
                             sharey='row')
    for ax, (key, g) in zip(axes.flat, groups):
        single = runs[(runs['architecture'] == key[0]) & (runs['dataset'] == key[1])]
        ax.scatter(single['duration_s'] / 60, single['energy_j'] / div, s=8, color=nb.GREY,
                   alpha=0.4, edgecolor='none', label='single run')
        off = g[~g['pareto']]
        ax.scatter(off['duration_min'], off['energy_j'] / div, s=30, color=nb.PALETTE[0],
                   marker='s', label='configuration (median of its runs)')
        f = g[g['pareto']].sort_values('duration_min')
        ax.plot(f['duration_min'], f['energy_j'] / div, color=nb.PALETTE[3], marker='o',
                label='configuration on the Pareto front')
        for _, row in f.iterrows():
            ax.annotate(label(row), (row['duration_min'], row['energy_j'] / div), fontsize=7,
                        xytext=(3, 3), textcoords='offset points')
        ax.set_title(' / '.join(k for k in key if k))
        ax.set_xlabel('training time per run (min)')
    for row in axes:
        row[0].set_ylabel(f'energy per run ({unit})')
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc='upper left')
    fig.suptitle('Energy against training time, per architecture and dataset\\n'
                 'the median of each configuration, the Pareto front, and the single runs')
    fig.tight_layout()
    nb.savefig(fig, 'energy-time-tradeoff')
    plt.show()
"""),
    md("""
Along a front, each step from a faster configuration to a slower one saves energy;
the ratio is the energy saved per minute of training given up (kJ/min).
"""),
    code("""
rows = []
for key, g in (configs[configs['pareto']].groupby(TASK) if len(configs) else []):
    f = g.sort_values('duration_min')
    for (_, a), (_, b) in zip(f.iloc[:-1].iterrows(), f.iloc[1:].iterrows()):
        rows.append({**dict(zip(TASK, key)), 'from': label(a), 'to': label(b),
                     'extra min': b['duration_min'] - a['duration_min'],
                     'kJ saved': a['energy_kj'] - b['energy_kj']})
steps = pd.DataFrame(rows)
if len(steps):
    steps['kJ saved per min'] = steps['kJ saved'] / steps['extra min']
    display(steps.round(3))
else:
    print('every front has a single configuration: no trade-off to show')
"""),
)


# ---------------------------------------------------------------------------------
notebook(
    '07-power-limits',
    md("""
# 07 · The energy-time trade-off of GPU power limits (Zeus)

Zeus's `GlobalPowerLimitOptimizer` profiles a training job under each GPU power limit
in turn and logs one ZeusMonitor window per limit, named `__GlobalPowerLimitOptimizer_<W>`.
For each ZeusMonitor log this notebook reads, per power limit, the window's time and its
energy per GPU and summed over the GPUs; then the energy-time Pareto front (one point per
limit, as in the Zeus paper), and the energy saved against the time lost relative to the
highest limit.

Reads `zeus_window` and `zeus_window_energy` (the raw windows, `schema/010_zeus.sql`)
and `source_zeus_window` (the same windows with the run each file belongs to, made by
the transform). A log whose window names state no power limit is listed and skipped.
"""),
    SETUP,
    code("""
key = nb.source_file_key()  # what file_id names: a file here, its content on a server
windows = nb.query(f'''
    SELECT (SELECT min(f.path) FROM source_file f WHERE f.{key} = w.file_id) AS path,
           w.file_id, w.line, w.window_name, w.elapsed_s, w.run_id, w.component, w.device, w.energy_j
    FROM source_zeus_window w
    ORDER BY w.file_id, w.line, w.component, CAST(w.device AS INTEGER)''') \\
    if nb.has('source_zeus_window') else pd.DataFrame()
if windows.empty:
    nb.note('no ZeusMonitor window in this database (source_zeus_window is empty or absent): '
            'nothing below is drawn')
else:
    windows['file'] = windows['path'].str.rsplit('/', n=1).str[-1]
    windows['power_limit_w'] = nb.power_limit_w(windows['window_name']).to_numpy()
    per_file = windows.groupby('file').agg(
        windows=('line', 'nunique'), devices=('device', 'nunique'),
        limits=('power_limit_w', 'nunique'))
    display(per_file)
    unnamed = per_file[per_file['limits'] == 0]
    for f in unnamed.index:
        names = ', '.join(sorted(windows.loc[windows['file'] == f, 'window_name'].unique())[:3])
        nb.note(f'{f}: no window name states a power limit ({names}): skipped')
"""),
    md("""
## Energy and time per power limit

A limit profiled more than once in a file counts each window: time and energy are
their sums. Energies are the GPUs' (`component = 'gpu'`); the summed column is over
every GPU of the window.
"""),
    code("""
gpu = windows[(windows['component'] == 'gpu') & windows['power_limit_w'].notna()] \\
    if len(windows) else pd.DataFrame()
if len(gpu):
    per_gpu = gpu.pivot_table(index=['file', 'power_limit_w'], columns='device',
                              values='energy_j', aggfunc='sum')
    per_gpu.columns = [f'gpu{d}_j' for d in per_gpu.columns]
    time = gpu.drop_duplicates(['file_id', 'line']).groupby(['file', 'power_limit_w']).agg(
        windows=('line', 'size'), time_s=('elapsed_s', 'sum'))
    limits = time.join(per_gpu)
    limits['energy_j'] = gpu.groupby(['file', 'power_limit_w'])['energy_j'].sum(min_count=1)
    limits = limits.reset_index().sort_values(['file', 'power_limit_w'], ascending=[True, False])
    pd.set_option('display.float_format', '{:.3f}'.format)
    print(len(limits), 'power limits in', limits['file'].nunique(), 'file(s)')
    display(limits)
else:
    limits = pd.DataFrame()
"""),
    md("""
The same sums straight from the raw tables (`zeus_window`, `zeus_window_energy`),
without the transform: they must match, limit by limit.
"""),
    code("""
if len(limits):
    raw = nb.query(f'''
        SELECT (SELECT min(f.path) FROM source_file f WHERE f.{key} = w.file_id) AS path,
               w.file_id, w.line, w.window_name, w.elapsed_s,
               (SELECT coalesce(sum(e.energy_j), 0) FROM zeus_window_energy e
                 WHERE e.file_id = w.file_id AND e.line = w.line AND e.component = 'gpu') AS energy_j
        FROM zeus_window w''')
    raw['file'] = raw['path'].str.rsplit('/', n=1).str[-1]
    raw['power_limit_w'] = nb.power_limit_w(raw['window_name']).to_numpy()
    raw = raw.dropna(subset=['power_limit_w']).groupby(['file', 'power_limit_w']).agg(
        raw_time_s=('elapsed_s', 'sum'), raw_energy_j=('energy_j', 'sum')).reset_index()
    check = limits.merge(raw, on=['file', 'power_limit_w'], how='outer')
    assert len(check) == len(limits) == len(raw), 'a power limit is in one table only'
    assert np.allclose(check['time_s'], check['raw_time_s'], rtol=1e-12, atol=1e-9)
    assert np.allclose(check['energy_j'], check['raw_energy_j'], rtol=1e-12, atol=1e-6)
    print('energy and time per limit equal the sums of the raw windows:', len(check), 'limits')
    display(check[['file', 'power_limit_w', 'time_s', 'raw_time_s', 'energy_j', 'raw_energy_j']])
"""),
    md("""
## The energy-time Pareto front

One point per power limit: the time of its window(s) and the energy of all GPUs. A
limit is on the front when no other limit is both faster and less energy-hungry.
"""),
    code("""
files = [f for f, g in limits.groupby('file') if len(g) >= 2] if len(limits) else []
if not files:
    nb.note('no ZeusMonitor log profiles two power limits or more: no trade-off to plot')
else:
    ncol = min(2, len(files))
    nrow = -(-len(files) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 4.8 * nrow), squeeze=False)
    for ax, f in zip(axes.flat, files):
        g = limits[limits['file'] == f].copy()
        g['pareto'] = nb.pareto(g, 'time_s', 'energy_j')
        div, unit = nb.energy_unit(g['energy_j'])
        st = nb.styles(sorted(g['power_limit_w'], reverse=True))   # one colour per limit in both figures
        front = g[g['pareto']].sort_values('time_s')
        ax.plot(front['time_s'], front['energy_j'] / div, color=nb.GREY, lw=1.5, zorder=1,
                label='Pareto front')
        for _, r in g.iterrows():
            ax.scatter(r['time_s'], r['energy_j'] / div, s=60, zorder=2,
                       edgecolor='black' if r['pareto'] else 'none',
                       label=f"{r['power_limit_w']:.0f} W", **st[r['power_limit_w']])
        ax.set_xlabel('time of the window(s) (s)')
        ax.set_ylabel(f'energy, all GPUs ({unit})')
        n_gpu = g.filter(regex=r'^gpu\\d+_j$').notna().any().sum()
        ax.set_title(f'{f}\\nn = {len(g)} power limits, {n_gpu} GPU(s); on the front: '
                     f'{int(g["pareto"].sum())}', fontsize=8)
        ax.legend(fontsize=7, title='power limit', title_fontsize=7, ncol=2)
        print(f, 'n =', len(g), 'limits; on the front:',
              ', '.join(f'{w:.0f} W' for w in front['power_limit_w']))
    for ax in list(axes.flat)[len(files):]:
        ax.set_visible(False)
    fig.suptitle('Energy against time per GPU power limit (black edge: on the Pareto front)')
    fig.tight_layout()
    nb.savefig(fig, 'zeus-power-limit-front')
    plt.show()
"""),
    md("""
## Energy saved against time lost, relative to the highest limit

For each limit, `energy saved = 1 - E / E(highest)` and `time lost = T / T(highest) - 1`,
in percent; per GPU as well, to see whether the GPUs of one job respond alike.
"""),
    code("""
if files:
    rel = []
    for f in files:
        g = limits[limits['file'] == f].sort_values('power_limit_w')
        top = g.iloc[-1]
        d = g[['file', 'power_limit_w']].copy()
        d['time_lost_pct'] = (g['time_s'] / top['time_s'] - 1) * 100
        d['energy_saved_pct'] = (1 - g['energy_j'] / top['energy_j']) * 100
        for c in g.filter(regex=r'^gpu\\d+_j$').columns:
            d[c.replace('_j', '_saved_pct')] = (1 - g[c] / top[c]) * 100
        rel.append(d)
    rel = pd.concat(rel, ignore_index=True)
    display(rel.round(2))
    fig, axes = plt.subplots(len(files), 2, figsize=(11, 4.2 * len(files)), squeeze=False)
    for (ax, bx), f in zip(axes, files):
        d = rel[rel['file'] == f]
        st = nb.styles(sorted(d['power_limit_w'], reverse=True))
        for _, r in d.iterrows():
            ax.scatter(r['time_lost_pct'], r['energy_saved_pct'], s=55,
                       label=f"{r['power_limit_w']:.0f} W", **st[r['power_limit_w']])
        ax.axhline(0, color=nb.GREY, lw=0.8)
        ax.axvline(0, color=nb.GREY, lw=0.8)
        ax.set_xlabel('time lost against the highest limit (%)')
        ax.set_ylabel('energy saved against the highest limit (%)')
        ax.set_title(f'{f}\\nn = {len(d)} power limits', fontsize=8)
        ax.legend(fontsize=7, ncol=2, title='power limit', title_fontsize=7)
        cols = [c for c in d.columns if c.startswith('gpu') and c.endswith('_saved_pct')]
        gs = nb.styles(cols + ['all GPUs'])
        for c in cols:
            bx.plot(d['power_limit_w'], d[c], lw=1, label=c.split('_')[0], **gs[c])
        bx.plot(d['power_limit_w'], d['energy_saved_pct'], lw=2.2, label='all GPUs',
                **gs['all GPUs'])
        bx.axhline(0, color=nb.GREY, lw=0.8)
        bx.set_xlabel('GPU power limit (W)')
        bx.set_ylabel('energy saved against the highest limit (%)')
        bx.set_title(f'per GPU: n = {len(cols)} GPU(s) x {len(d)} limits', fontsize=8)
        bx.legend(fontsize=7)
    fig.suptitle('What a lower power limit saves, and what it costs')
    fig.tight_layout()
    nb.savefig(fig, 'zeus-energy-saved-time-lost')
    plt.show()
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '08-codecarbon',
    md("""
# 08 · CodeCarbon over time

CodeCarbon writes one `emissions.csv` row per `stop()`, and one per `flush()` when a
tracker flushes periodically: then a run id repeats, each row cumulative since the
tracker started (duration, energy, emissions). This notebook counts each codecarbon
run once (its last, longest row), and shows per project and run the duration, energy
and emissions against time, how the repeated rows of one run grow, and the share of
CPU, GPU and RAM in each project's energy.

Reads `codecarbon_row` (the raw rows, `schema/003_sources.sql`) and `source_file`
(the file each row comes from); `source_energy` for the wattdb runs the codecarbon
runs are attached to.
"""),
    SETUP,
    code("""
key = nb.source_file_key()  # what file_id names: a file here, its content on a server
rows = nb.query(f'''
    SELECT (SELECT min(f.path) FROM source_file f WHERE f.{key} = c.file_id) AS path,
           c.file_id, c.line, c.ts_us, c.project_name, c.run_id, c.duration_s,
           c.emissions_kg, c.cpu_energy_j, c.gpu_energy_j, c.ram_energy_j, c.energy_j
    FROM codecarbon_row c
    ORDER BY c.file_id, c.line''') if nb.has('codecarbon_row') else pd.DataFrame()
if rows.empty:
    nb.note('no codecarbon row in this database: nothing below is drawn')
    runs = rows
else:
    rows['file'] = rows['path'].str.rsplit('/', n=1).str[-1]
    rows['project'] = rows['project_name'].fillna('(no project)')
    # a row without a run id is a run of its own
    rows['run'] = rows['run_id'].where(rows['run_id'].fillna('') != '',
                                       'line ' + rows['line'].astype(str))
    rows['time'] = pd.to_datetime(rows['ts_us'], unit='us')   # the file's naive local time
    KEYS = ['file_id', 'project', 'run']
    rows['flushes'] = rows.groupby(KEYS)['line'].transform('size')
    # cumulative rows: within a run id, duration never falls from one row to the next
    falls = rows.sort_values('line').groupby(KEYS)['duration_s'].apply(
        lambda s: bool((s.diff() < 0).any()))
    runs = nb.last_flush(rows, KEYS)
    print(f'{len(rows)} rows in {rows["file_id"].nunique()} file(s): {len(runs)} codecarbon runs, '
          f'{int((runs["flushes"] > 1).sum())} of them written more than once '
          f'({len(rows) - len(runs)} earlier flushes not counted)')
    if falls.any():
        nb.note(f'{int(falls.sum())} repeated run id(s) whose duration falls between rows '
                '(not cumulative flushes): the longest row is still the one counted')
    display(runs.groupby('project').agg(runs=('run', 'size'), rows=('flushes', 'sum'),
                                        energy_j=('energy_j', 'sum'),
                                        duration_s=('duration_s', 'sum')))
"""),
    md("""
## Duration, energy and emissions per run against time

One point per codecarbon run (its last row), at the time that row was written; one
colour and marker per project. An axis is logarithmic when its runs span decades.
"""),
    code("""
if len(runs):
    st = nb.styles(sorted(runs['project'].unique()))
    div, unit = nb.energy_unit(runs['energy_j'])
    panels = [('duration_s', 1.0, 'duration per run (s)'),
              ('energy_j', div, f'energy per run ({unit})'),
              ('emissions_kg', 1e-3, 'emissions per run (g CO2eq)')]
    fig, axes = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    for ax, (col, d, label) in zip(axes, panels):
        for proj, g in runs.groupby('project'):
            ok = g[g[col] > 0]
            ax.scatter(ok['time'], ok[col] / d, s=22, label=f'{proj} (n = {len(g)})', **st[proj])
        v = runs.loc[runs[col] > 0, col]
        if len(v) and v.max() > 30 * v.min():     # log only when the runs span decades
            ax.set_yscale('log')
        ax.set_ylabel(label)
    axes[-1].set_xlabel('time the run\\'s last row was written (local time of the file)')
    fig.suptitle(f'CodeCarbon runs over time: n = {len(runs)} runs, '
                 f'{runs["project"].nunique()} project(s)')
    fig.autofmt_xdate()
    fig.tight_layout()
    h, l = axes[0].get_legend_handles_labels()
    fig.legend(h, l, fontsize=7, ncol=2, loc='upper center', bbox_to_anchor=(0.5, 0.0))
    nb.savefig(fig, 'codecarbon-runs-over-time')
    plt.show()
"""),
    md("""
## The rows of a run written more than once

Each periodic flush repeats the run id with the totals so far: energy grows with the
tracker's duration, and only the last row (marked) counts. Up to twelve such runs, the
ones with the most rows first.
"""),
    code("""
multi = runs[runs['flushes'] > 1].sort_values('flushes', ascending=False).head(12) \\
    if len(runs) else pd.DataFrame()
if multi.empty:
    nb.note('no codecarbon run id is written more than once: no flush series to draw')
else:
    sel = rows.merge(multi[KEYS], on=KEYS)
    div, unit = nb.energy_unit(sel['energy_j'])
    labels = [f"{r['project']} / {str(r['run'])[:8]}" for _, r in multi.iterrows()]
    st = nb.styles(labels)
    fig, ax = plt.subplots(figsize=(8.5, 5))
    for (_, r), lab in zip(multi.iterrows(), labels):
        g = sel[(sel['file_id'] == r['file_id']) & (sel['project'] == r['project']) &
                (sel['run'] == r['run'])].sort_values('line')
        ax.plot(g['duration_s'] / 60, g['energy_j'] / div, lw=1, markersize=3,
                label=f'{lab} (n = {len(g)} rows)', **st[lab])
        ax.scatter(r['duration_s'] / 60, r['energy_j'] / div, s=80, facecolor='none',
                   edgecolor=st[lab]['color'], lw=1.5)
    ax.set_xlabel('duration written in the row (min)')
    ax.set_ylabel(f'energy written in the row ({unit})')
    ax.legend(fontsize=7)
    ax.set_title(f'Cumulative rows of {len(multi)} run id(s) written more than once '
                 '(circled: the row counted)', fontsize=9)
    fig.tight_layout()
    nb.savefig(fig, 'codecarbon-flushes')
    plt.show()
"""),
    md("""
## CPU, GPU and RAM: each project's share of its energy

The components of the counted rows, summed over each project's runs. A file that does
not give a component (older versions, CPU-only machines) leaves that part out.
"""),
    code("""
parts = ['cpu_energy_j', 'gpu_energy_j', 'ram_energy_j']
share = runs.groupby('project')[parts].sum(min_count=1) if len(runs) else pd.DataFrame()
share = share[share.sum(axis=1) > 0] if len(share) else share
if share.empty:
    nb.note('no codecarbon run gives its CPU, GPU or RAM energy: no share to draw')
else:
    n = runs.groupby('project').size()
    pct = share.div(share.sum(axis=1), axis=0) * 100
    display(pct.round(1))
    st = nb.styles(parts)
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(pct) + 1.6))
    left = np.zeros(len(pct))
    ylabels = [f'{p} (n = {n[p]})' for p in pct.index]
    for c, name in zip(parts, ['CPU', 'GPU', 'RAM']):
        v = pct[c].fillna(0).to_numpy()
        ax.barh(ylabels, v, left=left, color=st[c]['color'], label=name)
        left += v
    ax.set_xlabel('share of the project\\'s energy (%)')
    ax.set_xlim(0, 100)
    ax.legend(fontsize=8, ncol=3, loc='lower center', bbox_to_anchor=(0.5, 1.0))
    ax.set_title(f'n = {int(n[pct.index].sum())} codecarbon runs in {len(pct)} project(s)',
                 fontsize=9, pad=22)
    fig.tight_layout()
    nb.savefig(fig, 'codecarbon-component-share')
    plt.show()
"""),
    code("""
if nb.has('source_energy'):
    att = nb.query('''
        SELECT r.environment, r.architecture, r.stamp, e.component, e.energy_j
        FROM source_energy e JOIN run r ON r.id = e.run_id
        WHERE e.source = 'codecarbon' ''')
    if att.empty:
        print('no codecarbon run is attached to a wattdb run')
    else:
        print(att['stamp'].nunique(), 'wattdb run(s) measured by codecarbon (source_energy):')
        display(att.pivot_table(index=['environment', 'architecture', 'stamp'],
                                columns='component', values='energy_j').round(0))
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '09-meter-vs-software',
    md("""
# 09 · A wall meter against software estimates

For the runs measured both by a wall meter (OmegaWatt) and by software (nvidia-smi or
eprof GPU, powermetrics, PowerJoular, AIPowerMeter, Zeus power), the energy of each over
the window both cover, the ratio wall / software, and the power of both over time on one
axis with the wall meter's moving average, as the AIPowerMeter documentation compares
them. The RAPL and codecarbon totals, which are not power series, come from
`source_reconciliation` (the wattdb transform's comparison over one window).

Reads `v_power` (every power reading on one time axis, `schema/020_sources.sql`),
`source_reconciliation` and `run`.
"""),
    SETUP,
    code("""
power = nb.query('''
    SELECT p.run_id, p.session_file_id, p.file_id, p.source, p.component, p.device, p.ts_us,
           p.power_w, r.environment || '/' || r.architecture || '/' || r.stamp AS run
    FROM v_power p LEFT JOIN run r ON r.id = p.run_id''') if nb.has('v_power') else pd.DataFrame()
# the sockets that feed the measured machine: the setting wall_sockets, else every socket
setting = nb.query("SELECT value FROM setting WHERE name = 'wall_sockets'") \\
    if nb.has('setting') else pd.DataFrame()
wall_sockets = set(str(setting.iloc[0, 0]).replace(' ', '').split(',')) if len(setting) else None
print('wall meter sockets read:', ', '.join(sorted(wall_sockets)) if wall_sockets else 'all')


series = []
if len(power):
    power['who'] = power['run'].fillna(
        'session of file ' + power['session_file_id'].astype('Int64').astype(str))
    for (who, src, comp), g in power.groupby(['who', 'source', 'component']):
        if src == 'wattmeter':
            # the sockets of one frame share its timestamp: the wall power is their sum
            if wall_sockets:
                g = g[g['device'].isin(wall_sockets)]
            name = 'wall meter (socket ' + ','.join(sorted(g['device'].unique())) + ')'
            g = g.groupby('ts_us', as_index=False)['power_w'].sum().assign(device='')
        else:
            name = f'{src} {comp}'
        if len(g):
            series.append(g[['ts_us', 'power_w', 'device']].assign(
                series=name, who=who, wall=src == 'wattmeter'))
series = pd.concat(series, ignore_index=True) if series else pd.DataFrame(
    columns=['ts_us', 'power_w', 'device', 'series', 'who', 'wall'])
series['wall'] = series['wall'].astype(bool)
metered = sorted(series.loc[series['wall'], 'who'].unique())
both = sorted(set(metered) & set(series.loc[~series['wall'], 'who']))
print(len(metered), 'run(s) or session(s) with a wall meter;', len(both),
      'of them with a software source too (v_power)')
if not both:
    nb.note('no run is measured by both a wall meter and a software source (v_power): '
            'the energy ratios are skipped')
"""),
    md("""
## Energy over the common window, and the ratio wall / software

For each run, and each software series next to each wall-meter socket, the window is
the intersection of the two series' spans; each energy is the trapezoid of its power
readings over that window.
"""),
    code("""
rows = []
for who in both:
    g = series[series['who'] == who]
    w = g[g['wall']]
    for sw_name, sw in g[~g['wall']].groupby('series'):
        # the window both cover; a source of several devices (GPUs): their energies added
        lo, hi = max(w['ts_us'].min(), sw['ts_us'].min()), min(w['ts_us'].max(), sw['ts_us'].max())
        if hi <= lo:
            continue
        ew = nb.trapezoid_j(w['ts_us'], w['power_w'], lo, hi)
        es = sum(nb.trapezoid_j(d['ts_us'], d['power_w'], lo, hi) for _, d in sw.groupby('device'))
        devices = sw['device'].nunique()
        rows.append({'run': who, 'software': sw_name + (f' ({devices} devices)' if devices > 1 else ''),
                     'window_s': (hi - lo) / 1e6, 'wall_j': ew, 'software_j': es,
                     'wall / software': ew / es if es and es > 0 else np.nan})
energies = pd.DataFrame(rows)
if len(energies):
    display(energies.round(3))
elif both:
    nb.note('no wall-meter and software series overlap in time')
"""),
    code("""
if len(energies):
    pairs = energies.dropna(subset=['wall / software'])
    labels = [f"{r['run'][-34:]}\\n{r['software']}" for _, r in pairs.iterrows()]
    st = nb.styles(sorted(pairs['software'].unique()))
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * len(pairs) + 1.8))
    for i, (_, r) in enumerate(pairs.iterrows()):
        ax.barh(i, r['wall / software'], color=st[r['software']]['color'])
        ax.annotate(f"{r['window_s']:.0f} s", (r['wall / software'], i), xytext=(3, -3),
                    textcoords='offset points', fontsize=7)
    ax.set_yticks(range(len(pairs)), labels, fontsize=7)
    ax.axvline(1, color=nb.GREY, lw=0.8)
    ax.set_xlabel('wall energy / software energy over the common window (ratio, no unit)')
    from matplotlib.patches import Patch
    ax.legend([Patch(color=st[k]['color']) for k in st], list(st), fontsize=7, title='software',
              title_fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1))
    ax.set_title(f'n = {len(pairs)} pairs of series in {pairs["run"].nunique()} run(s)', fontsize=9)
    fig.tight_layout()
    nb.savefig(fig, 'meter-vs-software-ratio')
    plt.show()
"""),
    code("""
if nb.has('source_reconciliation'):
    rec = nb.query('''
        SELECT r.environment || '/' || r.architecture || '/' || r.stamp AS run, c.window,
               c.window_s, c.wall_j, c.gpu_j, c.gpu_source, c.rapl_pkg_j, c.rapl_dram_j,
               c.codecarbon_j, c.unaccounted_share
        FROM source_reconciliation c JOIN run r ON r.id = c.run_id
        WHERE c.wall_j IS NOT NULL ORDER BY 1''')
    if len(rec):
        for c in ['gpu_j', 'rapl_pkg_j', 'codecarbon_j']:
            rec['wall / ' + c.replace('_j', '')] = rec['wall_j'] / rec[c].where(rec[c] > 0)
        print(len(rec), 'run window(s) with a wall meter in source_reconciliation:')
        display(rec.round(3))
    else:
        print('source_reconciliation has no window with a wall meter')
"""),
    md("""
## Power over time: the wall meter and the software on one axis

The wall meter's readings (faint), their moving average over 10 s, and each software
series of the run; up to four runs, one panel each.
"""),
    code("""
# the runs with a software source first, then the wall meter's other sessions; at most four
shown = (both + [w for w in metered if w not in both])[:4]
if not shown:
    nb.note('no run or session has a wall meter in v_power: no power over time to draw')
else:
    fig, axes = plt.subplots(len(shown), 1, figsize=(10, 3.6 * len(shown)), squeeze=False)
    drawn = series[series['who'].isin(shown)]
    drawn = drawn.assign(series=drawn['series'] +
                         drawn['device'].where(drawn['device'] == '', ' ' + drawn['device']))
    # one colour per series across the panels (the wall meter's sockets may differ per run)
    walls_, others = sorted(drawn.loc[drawn['wall'], 'series'].unique()), \\
        sorted(drawn.loc[~drawn['wall'], 'series'].unique())
    st = nb.styles(['wall meter, 10 s moving average'] + walls_ + others)
    for ax, who in zip(axes[:, 0], shown):
        g = drawn[drawn['who'] == who]
        t0 = g['ts_us'].min()
        names = sorted(g['series'].unique(), key=lambda n: (not n.startswith('wall'), n))
        for name in names:
            s = g[g['series'] == name].sort_values('ts_us')
            x = (s['ts_us'] - t0) / 1e6
            if name.startswith('wall'):
                ax.plot(x, s['power_w'], lw=0.5, alpha=0.35, color=st[name]['color'],
                        label=f'{name} (n = {len(s)})')
                ma = s.set_index(pd.to_datetime(s['ts_us'], unit='us'))['power_w'] \\
                    .rolling('10s').mean()
                k = 'wall meter, 10 s moving average'
                ax.plot(x, ma.to_numpy(), lw=1.8, color=st[k]['color'], label=k)
            else:
                ax.plot(x, s['power_w'], lw=1.2, color=st[name]['color'],
                        label=f'{name} (n = {len(s)})')
        ax.set_xlabel('time since the first reading (s)')
        ax.set_ylabel('power (W)')
        ax.set_title(who + ('' if who in both else ': no software source overlaps'), fontsize=9)
        ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1))
    fig.suptitle('Wall meter and software power over time')
    fig.tight_layout()
    nb.savefig(fig, 'meter-vs-software-power')
    plt.show()
"""),
)

# ---------------------------------------------------------------------------------
notebook(
    '10-inference',
    md("""
# 10 · Inference: energy against batch size, latency and accuracy (perf stat RAPL)

Inference studies run each configuration (a model variant and a batch size) under
`perf stat -a -e power/energy-pkg/,power/energy-ram/` and report, per configuration,
the energy of a run and of one item against the latency an item sees and the model's
accuracy. This notebook draws what such studies draw:

1. every perf measurement (one `# started on` block of a perf file) by RAPL domain:
   its energy and its mean power, whatever the database holds;
2. per configuration, energy per run, energy per item and latency per item against
   the batch size (energy per item falls as batches fill the cores; the latency of
   an item, that of its whole batch, rises);
3. energy per item against latency per item, one point per configuration;
4. energy per item against accuracy, per model variant.

Reads `perf_count` (the raw counters, `schema/003_sources.sql`), `source_file` (which
run a perf file belongs to), `run`, `run_meta` (`batch_size`, `accuracy`,
`total_seen_images` from runs.csv) and `run_metadata_extra` (the other runs.csv
columns: `model`, `items`, `latency_ms`). A configuration is a run whose perf file sits
in its run folder, `raw/<environment>/<model>-bs<N>/<dataset>/perf-stat-T.txt` (T the
run's stamp), with a runs.csv row keyed by environment, architecture, dataset and stamp:
the model variant is runs.csv's `model`, else the architecture folder without its
batch-size token; the batch size is runs.csv's `batch_size`, else the one a folder name
states (`-bs32`, `_batch64`); the items are `items` (else `total_seen_images`); the
latency of an item is runs.csv's `latency_ms` (the mean latency of one batch: an item
waits for its whole batch), else the perf run's elapsed time per batch. Energy per run
= package + DRAM (DRAM when perf measured it: the domains column says which); the
cores and integrated-GPU domains lie inside the package and are not added.
"""),
    SETUP,
    code("""
key = nb.source_file_key()
have = nb.has('perf_count')
files = nb.query(f'''
    SELECT f.{key} AS file_id, f.path, f.run_id FROM source_file f
    WHERE f.format = 'perf-stat' AND f.status IN ('ok', 'partial')
    ORDER BY f.{key}, f.path''').drop_duplicates('file_id') if have else pd.DataFrame()
events = ', '.join(f"'{e}'" for e in nb.RAPL_EVENTS)
counts = nb.query(f'''
    SELECT file_id, block, line, ts_us, aggr, event, unit, value FROM perf_count
    WHERE (unit = 'Joules' AND event IN ({events})) OR event = 'time elapsed'
    ORDER BY file_id, line''') if have else pd.DataFrame()
meas = nb.perf_measurements(counts)
domains = [d for d in dict.fromkeys(nb.RAPL_EVENTS.values()) if meas[d].notna().any()]
if len(meas):
    meas = meas.merge(files, on='file_id', how='left')
    meas['file'] = meas['path'].fillna('').str.rsplit('/', n=1).str[-1]
    meas = meas[meas[domains].notna().any(axis=1)]
    # in path order (file ids differ between a local database and the lab's server)
    meas = meas.sort_values(['path', 'block'], kind='stable').reset_index(drop=True)
if meas.empty:
    nb.note('no perf stat measurement with a RAPL energy event (power/energy-*) in this '
            'database: nothing below is drawn')
else:
    print(f'{len(meas)} perf measurements (blocks) in {meas["file_id"].nunique()} file(s); '
          f'{int(meas["run_id"].notna().sum())} of them in a run folder')
    per_file = meas.groupby('file').agg(blocks=('block', 'size'), elapsed_s=('elapsed_s', lambda v: v.sum(min_count=1)),
                                        **{f'{d} (J)': (d, lambda v: v.sum(min_count=1))
                                           for d in domains})
    display(per_file.round(3))
"""),
    md("""
## Every perf measurement by RAPL domain

Left: the energy of each measurement (one block of a perf file), per domain; right: its
mean power, energy over perf's elapsed time (where perf printed it, or ran in interval
mode). One box per domain, n under each; the points coloured by file when there are few
files, else grey.
"""),
    code("""
if len(meas):
    div, unit = nb.energy_unit_any(meas[domains].to_numpy())
    watts = pd.DataFrame({d: meas[d] / meas['elapsed_s'].where(meas['elapsed_s'] > 0)
                          for d in domains})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(max(10, 2.6 * len(domains) + 5), 4.8))
    files_ = sorted(meas['file'].unique())
    few = len(files_) <= len(nb.PALETTE)
    st = nb.styles(files_)
    # coloured points are the files: the boxes then stay grey, else they take the colours
    boxes = [nb.GREY] * len(domains) if few else nb.colors(len(domains))
    for ax, data in ((ax1, [meas[d].dropna() / div for d in domains]),
                     (ax2, [watts[d].dropna() for d in domains])):
        for flier in nb.boxplot(ax, data, domains, boxes)['fliers']:
            flier.set_visible(False)      # every measurement is drawn as a point
    jitter = np.random.default_rng(nb.SEED).uniform(-0.18, 0.18, len(meas))
    for i, d in enumerate(domains):
        for f in files_:
            sel = (meas['file'] == f) & meas[d].notna()
            kw = dict(s=16, zorder=3, edgecolor='black', linewidths=0.3,
                      **(st[f] if few else {'color': nb.GREY, 'marker': 'o'}))
            ax1.scatter(i + 1 + jitter[sel], meas.loc[sel, d] / div,
                        label=f if few and i == 0 else None, **kw)
            ok = sel & watts[d].notna()
            ax2.scatter(i + 1 + jitter[ok], watts.loc[ok, d], **kw)
    for ax in (ax1, ax2):
        nb.log_axis(ax, 'y')
        ax.set_xlabel('RAPL domain (n = measurements)')
    ax1.set_ylabel(f'energy per measurement ({unit})')
    ax2.set_ylabel('mean power of the measurement (W)')
    ax1.set_title(f'energy: n = {len(meas)} measurements in {len(files_)} file(s)')
    ax2.set_title(f'power: n = {int(watts.notna().any(axis=1).sum())} measurements '
                  'with an elapsed time')
    if few:
        fig.legend(fontsize=7, title='perf file', title_fontsize=7, loc='upper center',
                   bbox_to_anchor=(0.5, 0.0), ncol=2)
    fig.suptitle('perf stat RAPL measurements by domain')
    fig.tight_layout()
    for d in domains:
        print(f'{d}: n = {int(meas[d].notna().sum())} measurements, '
              f'{int(watts[d].notna().sum())} with a power')
    nb.savefig(fig, 'inference-rapl-domains')
    plt.show()
"""),
    md("""
## Configurations: model variant, batch size, items, latency, accuracy

One row per run whose perf file is in its run folder, with what runs.csv (or the folder
names) state; a perf file of several blocks (`--append`) counts each block as a run of
its configuration. The table: the mean of each configuration's runs.
"""),
    code("""
in_runs = meas[meas['run_id'].notna()].copy() if len(meas) else pd.DataFrame()
conf = pd.DataFrame()
if in_runs.empty and len(meas):
    nb.note('no perf file lies in a run folder (raw/<environment>/<architecture>/<dataset>/'
            'perf-stat-T.txt, T the stamp): no configuration, so the batch-size, latency and '
            'accuracy figures below are skipped')
elif len(in_runs):
    runs = nb.query('''
        SELECT r.id AS run_id, r.environment, r.architecture, r.dataset, r.stamp,
               m.batch_size, m.accuracy, m.total_seen_images, m.metadata_file_id, m.metadata_line
        FROM run r LEFT JOIN run_meta m ON m.run_id = r.id ORDER BY r.id''').drop_duplicates('run_id')
    extra = nb.query('''
        SELECT file_id, line, lower(name) AS name, value FROM run_metadata_extra
        WHERE lower(name) IN ('model', 'items', 'latency_ms')
        ORDER BY file_id, line, name''') if nb.has('run_metadata_extra') else pd.DataFrame()
    if len(extra):
        extra = extra.pivot_table(index=['file_id', 'line'], columns='name', values='value',
                                  aggfunc='first').reset_index()
        runs = runs.merge(extra, how='left', left_on=['metadata_file_id', 'metadata_line'],
                          right_on=['file_id', 'line']).drop(columns=['file_id', 'line'])
    for c in ['model', 'items', 'latency_ms']:
        if c not in runs:
            runs[c] = np.nan
    conf = in_runs.drop(columns='file_id').merge(runs, on='run_id', how='left')
    conf['model'] = conf['model'].fillna(conf['architecture'].map(nb.strip_batch))
    folder_bs = conf['architecture'].map(nb.batch_from_name).fillna(
        conf['dataset'].fillna('').map(nb.batch_from_name))
    conf['batch_from'] = np.where(conf['batch_size'].notna(), 'runs.csv',
                                  np.where(folder_bs.notna(), 'folder name', 'none'))
    conf['batch'] = pd.to_numeric(conf['batch_size'], errors='coerce').fillna(folder_bs)
    items = pd.to_numeric(conf['items'], errors='coerce').fillna(
        pd.to_numeric(conf['total_seen_images'], errors='coerce'))
    conf['items'] = items.where(items > 0)
    conf['accuracy'] = pd.to_numeric(conf['accuracy'], errors='coerce')
    conf['energy_j'] = conf['package'] + conf['DRAM'].fillna(0)
    conf['domains'] = np.where(conf['DRAM'].notna(), 'package+DRAM', 'package')
    conf['energy_j_per_item'] = conf['energy_j'] / conf['items']
    stated = pd.to_numeric(conf['latency_ms'], errors='coerce')
    timed = conf['elapsed_s'] * 1e3 * conf['batch'] / conf['items']
    conf['latency_from'] = np.where(stated.notna(), 'runs.csv latency_ms',
                                    np.where(timed.notna(), 'perf elapsed per batch', 'none'))
    conf['latency_ms_per_item'] = stated.fillna(timed)
    conf = conf.dropna(subset=['package'])
    if conf['batch'].isna().any():
        nb.note(f'{int(conf["batch"].isna().sum())} run(s) state no batch size (runs.csv or '
                'a folder name): left out of the configuration figures')
    conf = conf.dropna(subset=['batch']).sort_values(['model', 'batch', 'stamp', 'block'],
                                                     kind='stable').reset_index(drop=True)
    def origins(col):
        return ', '.join(f'{k} ({v} runs)' for k, v in conf[col].value_counts().sort_index().items())
    print(f"{len(conf)} runs in {conf.groupby(['model', 'batch']).ngroups} configurations; "
          f"batch size from {origins('batch_from')}; latency from {origins('latency_from')}")
    table = conf.groupby(['model', 'batch']).agg(
        runs=('run_id', 'size'), items=('items', 'mean'), energy_j=('energy_j', 'mean'),
        energy_mj_per_item=('energy_j_per_item', lambda s: s.mean() * 1e3),
        latency_ms_per_item=('latency_ms_per_item', 'mean'), elapsed_s=('elapsed_s', 'mean'),
        accuracy=('accuracy', 'mean'), domains=('domains', 'first'),
        batch_from=('batch_from', 'first'))
    display(table.round(3))
"""),
    md("""
## Energy and latency against batch size

One line per model variant (the mean of its runs at each batch size, every run a point):
energy per run, energy per item and the latency of an item, on a log-2 batch axis.
"""),
    code("""
cfg = conf.dropna(subset=['items']) if len(conf) else conf
if len(conf) and cfg.empty:
    nb.note('no run states how many items it processed (runs.csv items or '
            'total_seen_images): no energy per item; the figures below are skipped')
if len(cfg):
    st = nb.styles(sorted(cfg['model'].unique()))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    for ax, col in zip(axes, ['energy_j', 'energy_j_per_item', 'latency_ms_per_item']):
        d = cfg.dropna(subset=[col])
        if col == 'energy_j':
            div, unit = nb.energy_unit_any(d[col])
            label = f'energy per run ({unit})'
        elif col == 'energy_j_per_item':
            div, unit = nb.energy_unit(d[col], per='item')
            label = f'energy per item ({unit})'
        else:
            div, label = 1.0, 'latency of an item (ms)'
        for m, g in d.groupby('model'):
            mean = g.groupby('batch')[col].mean()
            ax.plot(mean.index, mean / div, lw=1.4, label=f'{m} (n = {len(g)} runs)', **st[m])
            ax.scatter(g['batch'], g[col] / div, s=12, alpha=0.6, color=st[m]['color'],
                       marker=st[m]['marker'])
        batches = sorted(d['batch'].unique())
        ax.set_xscale('log', base=2)
        nb.log_axis(ax, 'y')
        ax.set_xticks(batches, [f'{b:.0f}' for b in batches])
        ax.minorticks_off()
        ax.set_xlabel('batch size (items per batch)')
        ax.set_ylabel(label)
        ax.set_title(f'n = {len(d)} runs, {d.groupby(["model", "batch"]).ngroups} configurations',
                     fontsize=9)
    fig.suptitle('Per configuration: energy per item falls as batches grow, the latency of an item rises')
    fig.tight_layout()
    h, l = axes[0].get_legend_handles_labels()
    fig.legend(h, l, fontsize=8, title='model variant', title_fontsize=8, ncol=min(4, len(l)),
               loc='upper center', bbox_to_anchor=(0.5, 0.0))
    nb.savefig(fig, 'inference-batch-size')
    plt.show()
"""),
    md("""
## Energy per item against latency per item

One point per configuration (the mean of its runs), labelled with its batch size, a
model variant's batch sizes joined in order. Grey: the configurations no other beats on
both energy and latency (the Pareto front).
"""),
    code("""
pts = cfg.dropna(subset=['latency_ms_per_item', 'energy_j_per_item']).groupby(
    ['model', 'batch'], as_index=False).agg(
    energy_j_per_item=('energy_j_per_item', 'mean'),
    latency_ms_per_item=('latency_ms_per_item', 'mean'), runs=('run_id', 'size'),
    accuracy=('accuracy', 'mean')) if len(cfg) else pd.DataFrame()
if len(cfg) and pts.empty:
    nb.note('no configuration has both an energy per item and a latency: figure skipped')
if len(pts):
    div, unit = nb.energy_unit(pts['energy_j_per_item'], per='item')
    pts['pareto'] = nb.pareto(pts, 'latency_ms_per_item', 'energy_j_per_item')
    front = pts[pts['pareto']].sort_values('latency_ms_per_item')
    fig, ax = plt.subplots(figsize=(8.5, 5.5))
    ax.plot(front['latency_ms_per_item'], front['energy_j_per_item'] / div, color=nb.GREY,
            lw=9, alpha=0.35, zorder=1, solid_capstyle='round',
            label=f'Pareto front ({len(front)} configurations)')
    for m, g in pts.groupby('model'):
        g = g.sort_values('batch')
        ax.plot(g['latency_ms_per_item'], g['energy_j_per_item'] / div, lw=1, markersize=7,
                label=f'{m} (n = {len(g)} configurations)', zorder=2, **st[m])
        for _, r in g.iterrows():
            ax.annotate(f"bs {r['batch']:.0f}",
                        (r['latency_ms_per_item'], r['energy_j_per_item'] / div),
                        xytext=(4, 3), textcoords='offset points', fontsize=7)
    nb.log_axis(ax, 'x')
    nb.log_axis(ax, 'y')
    ax.set_xlabel('latency of an item (ms)')
    ax.set_ylabel(f'energy per item ({unit})')
    ax.legend(fontsize=7, title='model variant', title_fontsize=7, loc='upper left',
              bbox_to_anchor=(1.01, 1))
    ax.set_title(f'n = {len(pts)} configurations, {int(pts["runs"].sum())} runs', fontsize=9)
    fig.tight_layout()
    print('on the front:', ', '.join(f"{r['model']} bs {r['batch']:.0f}" for _, r in front.iterrows()))
    nb.savefig(fig, 'inference-energy-latency')
    plt.show()
"""),
    md("""
## Energy per item against accuracy, per model variant

One point per configuration: a model variant's accuracy does not depend on its batch
size, its energy per item does. Grey: the Pareto front (less energy, higher accuracy).
"""),
    code("""
acc = pts.dropna(subset=['accuracy']) if len(pts) else pd.DataFrame()
if len(pts) and acc.empty:
    nb.note('no configuration states an accuracy (runs.csv accuracy): figure skipped')
if len(acc):
    acc = acc.assign(neg_accuracy=-acc['accuracy'])
    acc['pareto'] = nb.pareto(acc, 'energy_j_per_item', 'neg_accuracy')
    div, unit = nb.energy_unit(acc['energy_j_per_item'], per='item')
    front = acc[acc['pareto']].sort_values('energy_j_per_item')
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    ax.plot(front['energy_j_per_item'] / div, front['accuracy'] * 100, color=nb.GREY, lw=9,
            alpha=0.35, drawstyle='steps-post', zorder=1,
            label=f'Pareto front ({len(front)} configurations)')
    for m, g in acc.groupby('model'):
        g = g.sort_values('batch')
        ax.plot(g['energy_j_per_item'] / div, g['accuracy'] * 100, lw=1, markersize=7, zorder=2,
                label=f'{m} (n = {len(g)} configurations)', **st[m])
        for k, (_, r) in enumerate(g.iterrows()):   # labels above and below, in turn
            ax.annotate(f"bs {r['batch']:.0f}", (r['energy_j_per_item'] / div, r['accuracy'] * 100),
                        xytext=(-8, 6 if k % 2 == 0 else -13), textcoords='offset points',
                        fontsize=7)
    nb.log_axis(ax, 'x')
    ax.set_xlabel(f'energy per item ({unit})')
    ax.set_ylabel('accuracy (%)')
    ax.legend(fontsize=7, title='model variant', title_fontsize=7, loc='upper left',
              bbox_to_anchor=(1.01, 1))
    ax.set_title(f'n = {len(acc)} configurations of {acc["model"].nunique()} model variants',
                 fontsize=9)
    fig.tight_layout()
    print('on the front:', ', '.join(f"{r['model']} bs {r['batch']:.0f}" for _, r in front.iterrows()))
    nb.savefig(fig, 'inference-energy-accuracy')
    plt.show()
"""),
)


def build(name, cells):
    nbk = nbformat.v4.new_notebook()
    nbk.metadata = {
        'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
        'language_info': {'name': 'python'},
    }
    for i, (kind, text) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == 'markdown' else nbformat.v4.new_code_cell
        cell = make(text)
        cell['id'] = f'{name}-{i:02d}'
        nbk.cells.append(cell)
    nbformat.validate(nbk)
    return nbformat.writes(nbk) + '\n'


def main(argv):
    check = '--check' in argv
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = HERE / f'{name}.ipynb'
        text = build(name, cells)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print('make_notebooks.py: out of date (run python3 notebooks/make_notebooks.py):',
              ', '.join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
