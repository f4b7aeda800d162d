import { useGet, usePaged } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox, Level, Crumbs, More, Chevron, can } from '../ui.jsx';

// Index in `path` of the highest org the user holds a role on (they may open it and below).
function visibleFrom(path, me) {
  const ids = new Set((me.roles || []).map((r) => String(r.orgId)));
  const i = path.findIndex((p) => ids.has(String(p.id)));
  return i < 0 ? path.length - 1 : i;
}

const BANDS = { under35: 'ageUnder35', '35to45': 'age35to45', '46to60': 'age46to60', over60: 'ageOver60' };

// Live figures of the members below this organisation (GET /orgs/{id}/stats).
function Stats({ id, isBranch }) {
  const st = useGet('/orgs/' + encodeURIComponent(id) + '/stats');
  const s = st.data;
  if (st.loading || st.error || !s) return null;
  const pct = (n) => (s.members ? Math.round((n * 100) / s.members) : 0);
  return (
    <section class="card" aria-labelledby="stats-h">
      <h2 id="stats-h">{t('statsTitle')}</h2>
      <ul class="list facts-list">
        <li>{t('statsCategory', { full: s.full, prob: s.probationary })}</li>
        <li>{t('statsGender', { male: s.male, female: s.female })}</li>
        <li>{t('statsMigrant', { n: s.migrant, p: pct(s.migrant) })}</li>
        {!isBranch && <li>{t('statsBranches', { n: s.branches })}</li>}
      </ul>
      <h3>{t('statsAge')}</h3>
      <ul class="list bars">
        {s.ageBands.map((b) => (
          <li key={b.band}>
            <span class="bar-label">{t(BANDS[b.band] || b.band)}</span>
            <meter min="0" max={s.members || 1} value={b.count} />
            <span class="bar-n">{b.count}</span>
          </li>
        ))}
      </ul>
      <h3>{t('statsOccupation')}</h3>
      <ul class="list bars">
        {s.occupations.slice(0, 6).map((o) => (
          <li key={o.occupation}>
            <span class="bar-label">{o.occupation}</span>
            <meter min="0" max={s.members || 1} value={o.count} />
            <span class="bar-n">{o.count}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Org({ id, me }) {
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const kids = usePaged(org.data ? '/orgs/' + encodeURIComponent(id) + '/children' : null, {});
  const o = org.data;
  if (org.loading) return <div><TopBar title={t('tabOrg')} /><Loading /></div>;
  if (org.error) return <div><TopBar title={t('tabOrg')} /><ErrorBox error={org.error} onRetry={org.reload} /></div>;

  const path = o.path && o.path.length ? o.path : [{ id: o.id, name: o.name, level: o.level }];
  const from = visibleFrom(path, me);
  const isBranch = o.level === 'branch';
  const canSeeMembers = can('roster.read', path);
  const canRoster = isBranch && canSeeMembers;
  const up = from < path.length - 1 ? '#/org/' + path[path.length - 2].id : null;

  return (
    <div>
      <TopBar title={o.name} back={up} />
      <section class="card">
        <Crumbs path={path} from={from} />
        <p class="facts">
          <Level level={o.level} />
          {o.closed && <span class="tag warn">{t('closed')}</span>}
        </p>
        <div class="stats">
          <div><strong>{o.memberCount ?? 0}</strong><span>{t('members')}</span></div>
          <div><strong>{o.childCount ?? 0}</strong><span>{t('children')}</span></div>
        </div>
        <div class="btn-stack">
          {canRoster && (
            <a class="btn primary wide" href={'#/roster/' + o.id}>{t('openRoster')}</a>
          )}
          {canSeeMembers && (
            <a class="btn secondary wide" href={'#/stats/' + o.id}>{t('stats')}</a>
          )}
        </div>
        {canSeeMembers && (
          <div class="grid-links">
            <a class="btn secondary" href={'#/transfers/' + o.id}>{t('linkTransfers')}</a>
            <a class="btn secondary" href={'#/dues/' + o.id}>{t('linkDues')}</a>
            <a class="btn secondary" href={'#/pipeline/' + o.id}>{t('linkPipeline')}</a>
            {can('roster.write', path) && <a class="btn secondary" href={'#/import/' + o.id}>{t('linkImport')}</a>}
            {can('org.admin', path) && <a class="btn secondary" href={'#/sms/' + o.id}>{t('smsAdmin')}</a>}
          </div>
        )}
        <p class="muted org-no">{t('orgNumber', { id: o.id })}</p>
      </section>

      {canSeeMembers && <Stats id={o.id} isBranch={isBranch} />}

      {(o.childCount > 0 || kids.items.length > 0) && (
        <section class="card" aria-labelledby="kids-h">
          <h2 id="kids-h">{t('children')}</h2>
          {kids.error && !kids.items.length && <ErrorBox error={kids.error} onRetry={kids.reload} />}
          {kids.loading && !kids.items.length && <Loading />}
          <ul class="list rows">
            {kids.items.map((c) => (
              <li key={c.id}>
                <a class="bigrow" href={'#/org/' + c.id}>
                  <span class="grow">
                    <strong>{c.name}</strong>
                    <span class="muted">
                      <Level level={c.level} /> {t('membersN', { n: c.memberCount ?? 0 })}
                      {c.childCount > 0 ? ' · ' + t('childrenN', { n: c.childCount }) : ''}
                      {c.closed ? ' · ' + t('closed') : ''}
                    </span>
                  </span>
                  <Chevron />
                </a>
              </li>
            ))}
          </ul>
          <More list={kids} />
        </section>
      )}
    </div>
  );
}
