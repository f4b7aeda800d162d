// The 待办 card of a secretary's or admin's home: per organisation they keep, the transfers
// waiting for them, the overdue development steps and the members 4+ months behind with
// dues — three requests, only the non-zero lines shown (nothing at all when all are zero).
import { useEffect, useState } from 'preact/hooks';
import { useGet } from '../hooks.js';
import { t } from '../i18n.js';
import { Chevron } from '../ui.jsx';
import { enc } from '../work.jsx';

function Lines({ r, many, report }) {
  const o = enc(r.orgId);
  const tr = useGet('/transfers?orgId=' + o + '&todo=true&limit=100');
  const pl = useGet('/applicants/summary?orgId=' + o);
  const du = useGet('/dues/summary?orgId=' + o);
  const nTr = tr.data ? (tr.data.items || []).length : 0;
  const nPl = pl.data ? pl.data.overdue || 0 : 0;
  const nDu = du.data ? (du.data.alert || 0) + (du.data.lapsed || 0) : 0;
  const lines = [
    nTr > 0 && ['transfers', '#/transfers/' + r.orgId, t('todoTransfers'), nTr + (tr.data.next ? '+' : '')],
    nPl > 0 && ['pipeline', '#/pipeline/' + r.orgId + '/overdue', t('todoOverdue'), nPl],
    nDu > 0 && ['dues', '#/dues/' + r.orgId, t('todoDues'), nDu],
  ].filter(Boolean);
  useEffect(() => report(r.orgId, lines.length), [lines.length]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!lines.length) return null;
  return lines.map(([k, href, label, n]) => (
    <li key={k + r.orgId}>
      <a class="bigrow" href={href} data-todo={k}>
        <span class="grow">
          <strong>{label}</strong>
          {many && <span class="muted">{r.orgName}</span>}
        </span>
        <span class="badge" aria-label={String(n)}>{n}</span>
        <Chevron />
      </a>
    </li>
  ));
}

export default function Todo({ orgs }) {
  const list = orgs.slice(0, 3);
  const [counts, setCounts] = useState({});
  const report = (id, n) => setCounts((c) => (c[id] === n ? c : { ...c, [id]: n }));
  const any = Object.values(counts).some((n) => n > 0);
  return (
    <section class="card todo" aria-labelledby="todo-h" hidden={!any}>
      <h2 id="todo-h">{t('todo')}</h2>
      <ul class="list rows">
        {list.map((r) => <Lines key={r.orgId} r={r} many={list.length > 1} report={report} />)}
      </ul>
    </section>
  );
}
