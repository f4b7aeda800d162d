// The statistics dashboard of an organisation (#/stats/ID), in its own chunk with the
// parts of ECharts it draws with. Every chart has its numbers in a table under it, so
// the figures read without the charts (screen readers, large text, a failed canvas).
import { useEffect, useRef } from 'preact/hooks';
import { init, use } from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useGet } from '../hooks.js';
import { t, addStrings } from '../i18n.js';
import { TopBar, Loading, ErrorBox, Crumbs } from '../ui.jsx';
import { v } from '../vocab.js';
import '../slipStrings.js';

// The dashboard's strings: in this chunk, not in the initial download.
addStrings({
  statsOf: '{name} · 统计',
  hTotal: '党员总数',
  hProb: '预备党员',
  hFemale: '女性',
  hMigrant: '流动党员',
  hLost: '失联',
  hDuesWarn: '党费预警',
  chartAge: '年龄结构',
  chartOccupation: '职业',
  chartEducation: '学历',
  chartDues: '党费交纳',
  chartSeries: '近 24 个月发展与转接',
  'dues.paidUp': '已交清',
  'dues.behind': '欠 1–2 个月',
  'dues.warning': '欠 3 个月（预警）',
  'dues.alert': '欠 4–5 个月',
  'dues.lapsed': '欠 6 个月以上',
  'dues.neverPaid': '从未交纳',
  sJoined: '发展党员',
  sIn: '转入',
  sOut: '转出',
  month: '月份',
  count: '人数',
  share: '占比',
  drillHint: '点击一行查看该组织的统计',
  colMembers: '党员',
  colMigrant: '流动',
  colProb: '预备',
  colDues: '党费预警',
  showTable: '查看数字',
}, {
  statsOf: '{name} · statistics',
  hTotal: 'Members',
  hProb: 'Probationary',
  hFemale: 'Women',
  hMigrant: 'Migrant',
  hLost: 'Lost contact',
  hDuesWarn: 'Dues warning',
  chartAge: 'Age',
  chartOccupation: 'Occupation',
  chartEducation: 'Education',
  chartDues: 'Dues',
  chartSeries: 'Joins and transfers, last 24 months',
  'dues.paidUp': 'Paid up',
  'dues.behind': '1–2 months behind',
  'dues.warning': '3 months behind (warning)',
  'dues.alert': '4–5 months behind',
  'dues.lapsed': '6+ months behind',
  'dues.neverPaid': 'Never paid',
  sJoined: 'Joined',
  sIn: 'Transferred in',
  sOut: 'Transferred out',
  month: 'Month',
  count: 'Count',
  share: 'Share',
  drillHint: 'Tap a row for its statistics',
  colMembers: 'Members',
  colMigrant: 'Migrant',
  colProb: 'Prob.',
  colDues: 'Dues warn.',
  showTable: 'Show numbers',
});


// No tooltip or legend components (11 KB gzip): every bar carries its number, the line
// chart's legend is the HTML line under it, and the tables hold every figure.
use([BarChart, LineChart, GridComponent, CanvasRenderer]);

const RED = '#b3121b';
const COLORS = [RED, '#0b4f9c', '#9a6a00', '#1b6e2d', '#6b3fa0', '#555'];

// Index in `path` of the highest org the user holds a role on (links above it are plain).
function visibleFrom(path, me) {
  const ids = new Set((me.roles || []).map((r) => String(r.orgId)));
  const i = path.findIndex((p) => ids.has(String(p.id)));
  return i < 0 ? path.length - 1 : i;
}

const rootPx = () => parseFloat(getComputedStyle(document.documentElement).fontSize) || 18;

// One ECharts canvas; `option(fs)` builds the option for a base font size in px.
function Chart({ option, height, label }) {
  const el = useRef(null);
  useEffect(() => {
    const fs = Math.round(rootPx() * 0.8);
    const c = init(el.current, null, { renderer: 'canvas' });
    c.setOption({ color: COLORS, textStyle: { fontSize: fs }, animation: false, ...option(fs) });
    const resize = () => c.resize();
    window.addEventListener('resize', resize);
    return () => { window.removeEventListener('resize', resize); c.dispose(); };
  }, [option]);
  return <div ref={el} class="chart" data-h={height} role="img" aria-label={label} />;
}

const pct = (n, total) => (total ? Math.round((n * 1000) / total) / 10 + '%' : '—');

// A bar chart of [{label, count}] with its table.
function Bars({ title, rows, total, horizontal }) {
  const labels = rows.map((r) => r.label);
  const counts = rows.map((r) => r.count);
  const option = useRef((fs) => ({
    grid: horizontal ? { left: 8, right: 40, top: 8, bottom: 8, containLabel: true }
      : { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
    [horizontal ? 'yAxis' : 'xAxis']: { type: 'category', data: labels, inverse: !!horizontal, axisLabel: { fontSize: fs, interval: 0 } },
    [horizontal ? 'xAxis' : 'yAxis']: { type: 'value', axisLabel: { fontSize: fs * 0.9 }, splitNumber: 3 },
    series: [{ type: 'bar', data: counts, barMaxWidth: 36, label: { show: true, position: horizontal ? 'right' : 'top', fontSize: fs } }],
  })).current;
  const h = horizontal ? 'h' + Math.min(rows.length, 15) : 'v';
  return (
    <section class="card" aria-label={title}>
      <h2>{title}</h2>
      {rows.length > 0 && <Chart option={option} height={h} label={title} />}
      <CountTable rows={rows} total={total} />
    </section>
  );
}

function CountTable({ rows, total }) {
  if (!rows.length) return <p class="muted">{t('empty')}</p>;
  return (
    <table class="nums">
      <thead><tr><th scope="col"><span class="sr">{t('colName')}</span></th><th scope="col">{t('count')}</th><th scope="col">{t('share')}</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}><th scope="row">{r.label}</th><td>{r.count}</td><td>{pct(r.count, total)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}

function Series({ series }) {
  const option = useRef((fs) => ({
    grid: { left: 8, right: 12, top: 16, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: series.map((s) => s.month.slice(2).replace('-', '.')), axisLabel: { fontSize: fs * 0.85 } },
    yAxis: { type: 'value', minInterval: 1, splitNumber: 3, axisLabel: { fontSize: fs * 0.9 } },
    series: [
      { name: t('sJoined'), type: 'line', data: series.map((s) => s.joined), symbolSize: 6 },
      { name: t('sIn'), type: 'line', data: series.map((s) => s.transferIn), symbolSize: 6 },
      { name: t('sOut'), type: 'line', data: series.map((s) => s.transferOut), symbolSize: 6 },
    ],
  })).current;
  const sum = (k) => series.reduce((a, s) => a + s[k], 0);
  return (
    <section class="card" aria-label={t('chartSeries')}>
      <h2>{t('chartSeries')}</h2>
      <Chart option={option} height="v" label={t('chartSeries')} />
      <p class="totals">
        <span><i class="sw sw0" aria-hidden="true" />{t('sJoined')} <strong>{sum('joined')}</strong></span>
        <span><i class="sw sw1" aria-hidden="true" />{t('sIn')} <strong>{sum('transferIn')}</strong></span>
        <span><i class="sw sw2" aria-hidden="true" />{t('sOut')} <strong>{sum('transferOut')}</strong></span>
      </p>
      <details>
        <summary>{t('showTable')}</summary>
        <table class="nums">
          <thead><tr><th scope="col">{t('month')}</th><th scope="col">{t('sJoined')}</th><th scope="col">{t('sIn')}</th><th scope="col">{t('sOut')}</th></tr></thead>
          <tbody>
            {series.slice().reverse().map((s) => (
              <tr key={s.month}><th scope="row">{s.month}</th><td>{s.joined}</td><td>{s.transferIn}</td><td>{s.transferOut}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function Children({ kids }) {
  if (!kids || !kids.length) return null;
  return (
    <section class="card" aria-labelledby="drill-h">
      <h2 id="drill-h">{t('drill')}</h2>
      <p class="muted">{t('drillHint')}</p>
      <div class="table-wrap">
        <table class="nums drill">
          <thead>
            <tr>
              <th scope="col">{t('colName')}</th><th scope="col">{t('colMembers')}</th><th scope="col">{t('colProb')}</th>
              <th scope="col">{t('colMigrant')}</th><th scope="col">{t('colDues')}</th>
            </tr>
          </thead>
          <tbody>
            {kids.map((c) => (
              <tr key={c.id} onClick={() => { location.hash = '#/stats/' + c.id; }}>
                <th scope="row"><a href={'#/stats/' + c.id}>{c.name}</a></th>
                <td>{c.members}</td><td>{c.probationary}</td><td>{c.migrant}</td>
                <td class={c.duesWarning ? 'warnnum' : ''}>{c.duesWarning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const DUES = ['paidUp', 'behind', 'warning', 'alert', 'lapsed', 'neverPaid'];

export default function Stats({ id, me }) {
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const st = useGet('/orgs/' + encodeURIComponent(id) + '/stats');
  const o = org.data;
  const s = st.data;
  const title = o ? t('statsOf', { name: o.name }) : t('stats');
  const err = org.error || st.error;
  if (err) return <div><TopBar title={t('stats')} /><ErrorBox error={err} onRetry={() => { org.reload(); st.reload(); }} /></div>;
  if (!o || !s) return <div><TopBar title={t('stats')} /><Loading /></div>;
  const path = o.path && o.path.length ? o.path : [{ id: o.id, name: o.name, level: o.level }];
  const from = visibleFrom(path, me);
  const up = from < path.length - 1 ? '#/stats/' + path[path.length - 2].id : '#/org/' + o.id;
  const d = s.dues || {};
  const duesWarn = (d.warning || 0) + (d.alert || 0) + (d.lapsed || 0);
  const heads = [
    ['hTotal', s.members], ['hProb', s.probationary], ['hFemale', s.female],
    ['hMigrant', s.migrant], ['hLost', s.lostContact], ['hDuesWarn', duesWarn],
  ];
  return (
    <div>
      <TopBar title={title} back={up} />
      <section class="card">
        <Crumbs path={path} from={from} base="#/stats/" />
        <dl class="heads">
          {heads.map(([k, n]) => (
            <div key={k} class={'head-' + k}>
              <dt>{t(k)}</dt>
              <dd>{n ?? 0}</dd>
            </div>
          ))}
        </dl>
        <a class="btn link export" href={'/api/v1/exports/stats?orgId=' + encodeURIComponent(o.id) + '&format=xlsx'} download>
          {t('exportStats')}
        </a>
      </section>
      <Bars title={t('chartAge')} total={s.members} horizontal
        rows={(s.ageBands || []).map((b) => ({ label: v('band', b.band), count: b.count }))} />
      <Bars title={t('chartOccupation')} total={s.members} horizontal
        rows={(s.occupations || []).map((x) => ({ label: x.occupation, count: x.count }))} />
      <Bars title={t('chartEducation')} total={s.members} horizontal
        rows={(s.educations || []).map((x) => ({ label: x.education, count: x.count }))} />
      <Bars title={t('chartDues')} total={s.members} horizontal
        rows={DUES.map((k) => ({ label: t('dues.' + k), count: d[k] || 0 }))} />
      {s.series && s.series.length > 0 && <Series series={s.series} />}
      <Children kids={s.children} />
      <Access id={o.id} />
    </div>
  );
}

const ACCESS = ['members', 'accounts', 'activated', 'active30', 'active90', 'neverUsed'];
const ACCESS_LABEL = {
  members: 'accessMembers', accounts: 'accessAccounts', activated: 'accessActivated',
  active30: 'accessActive30', active90: 'accessActive90', neverUsed: 'accessNever',
};

// 账号开通情况: counts of the subtree and of each child, never names (GET /orgs/{id}/access).
function Access({ id }) {
  const a = useGet('/orgs/' + encodeURIComponent(id) + '/access');
  if (a.error) return <ErrorBox error={a.error} onRetry={a.reload} />;
  if (!a.data) return <Loading />;
  const d = a.data;
  return (
    <section class="card access" id="access">
      <h2>{t('accessTitle')}</h2>
      <dl class="heads">
        {ACCESS.map((k) => (
          <div key={k} class={'acc-' + k}><dt>{t(ACCESS_LABEL[k])}</dt><dd>{d[k]}</dd></div>
        ))}
      </dl>
      {d.children.length > 0 && (
        <div class="table-wrap">
          <table class="nums">
            <thead><tr><th scope="col">{t('accessOrg')}</th>{ACCESS.map((k) => <th key={k} scope="col">{t(ACCESS_LABEL[k])}</th>)}</tr></thead>
            <tbody>
              {d.children.map((c) => (
                <tr key={c.id}><th scope="row"><a href={'#/stats/' + c.id}>{c.name}</a></th>{ACCESS.map((k) => <td key={k}>{c[k]}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="muted">{t('accessHelp')}</p>
    </section>
  );
}
