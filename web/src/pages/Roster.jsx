import { useEffect, useState } from 'preact/hooks';
import { useGet, usePaged } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron, can } from '../ui.jsx';
import '../accessStrings.js';
import { STATUSES, CATEGORIES, GENDERS, AGE_BANDS, OCCUPATIONS, v } from '../vocab.js';

const NO_FILTERS = { status: '', category: '', gender: '', migrant: false, lostContact: false, ageBand: '', occupation: '' };

// How many filters differ from the defaults (在册, everything else open).
const countFilters = (f) => Object.keys(NO_FILTERS).filter((k) => f[k] !== NO_FILTERS[k]).length;

function Select({ id, label, value, onChange, options, anyLabel }) {
  return (
    <div class="fsel">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{anyLabel || t('any')}</option>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </div>
  );
}

function Chip({ on, onClick, children }) {
  return (
    <button type="button" class={'chip' + (on ? ' on' : '')} aria-pressed={on ? 'true' : 'false'} onClick={onClick}>
      {children}
    </button>
  );
}

export function Roster({ id, me }) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [f, setF] = useState(NO_FILTERS);
  const [open, setOpen] = useState(false);
  // Search as the user types, after a short pause; the button searches at once.
  useEffect(() => {
    const h = setTimeout(() => setQ(text.trim()), 400);
    return () => clearTimeout(h);
  }, [text]);
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const list = usePaged('/members', {
    orgId: id, q, status: f.status, category: f.category, gender: f.gender,
    migrant: f.migrant ? 'true' : '', lostContact: f.lostContact ? 'true' : '',
    ageBand: f.ageBand, occupation: f.occupation,
  });
  const set = (k) => (val) => setF({ ...f, [k]: val });
  const toggle = (k, val) => () => setF({ ...f, [k]: f[k] === val ? NO_FILTERS[k] : val });
  const o = org.data;
  const title = o ? o.name : t('roster');
  const denied = (list.error && list.error.status === 404) || (org.error && org.error.status === 404);
  const nf = countFilters(f);
  const filtered = nf > 0 || q;
  const canAdd = o && o.level === 'branch' && can('roster.write', o);

  return (
    <div>
      <TopBar title={title} back={o ? '#/org/' + o.id : null} />
      {denied ? <ErrorBox error={list.error || org.error} /> : (
        <>
          {canAdd && (
            <a class="btn primary wide add" href={'#/member-new/' + o.id}>＋ {t('addMember')}</a>
          )}
          {o && can('roster.write', o) && (
            <a class="btn wide" id="print-slips" href={'#/slips/' + o.id}>{t('slipsTitle')}</a>
          )}
          <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); setQ(text.trim()); }}>
            <label for="q" class="sr">{t('searchHint')}</label>
            <input id="q" type="search" placeholder={t('searchHint')} value={text}
              onInput={(e) => setText(e.currentTarget.value)} />
            <button type="submit" class="btn primary">{t('search')}</button>
          </form>
          <div class="chips" role="group" aria-label={t('filters')}>
            <Chip on={open} onClick={() => setOpen(!open)}>{nf ? t('filtersN', { n: nf }) : t('filters')} {open ? '▴' : '▾'}</Chip>
            <Chip on={f.category === 'probationary'} onClick={toggle('category', 'probationary')}>{t('probationary')}</Chip>
            <Chip on={f.migrant} onClick={toggle('migrant', true)}>{t('migrant')}</Chip>
            <Chip on={f.lostContact} onClick={toggle('lostContact', true)}>{t('lostContact')}</Chip>
          </div>
          {open && (
            <div class="card filters">
              <Select id="f-status" label={t('f.status')} value={f.status} onChange={set('status')} anyLabel={t('statusActive')}
                options={[{ value: 'all', label: t('statusAll') }].concat(STATUSES.map((s) => ({ value: s, label: v('status', s) })))} />
              <Select id="f-category" label={t('f.category')} value={f.category} onChange={set('category')}
                options={CATEGORIES.map((c) => ({ value: c, label: v('category', c) }))} />
              <Select id="f-gender" label={t('f.gender')} value={f.gender} onChange={set('gender')}
                options={GENDERS.map((c) => ({ value: c, label: v('gender', c) }))} />
              <Select id="f-age" label={t('f.age')} value={f.ageBand} onChange={set('ageBand')}
                options={AGE_BANDS.map((c) => ({ value: c, label: v('band', c) }))} />
              <Select id="f-occupation" label={t('f.occupation')} value={f.occupation} onChange={set('occupation')}
                options={OCCUPATIONS.map((c) => ({ value: c, label: c }))} />
              {nf > 0 && (
                <button type="button" class="btn link" onClick={() => setF(NO_FILTERS)}>{t('clearFilters')}</button>
              )}
            </div>
          )}
          <a class="btn link export" href={'/api/v1/exports/members?orgId=' + encodeURIComponent(id) + '&format=xlsx'} download>
            {t('exportRoster')}
          </a>
          <h2 class="section-title" aria-live="polite">
            {t('roster')}
            {o && o.memberCount != null && !filtered ? ' · ' + t('membersN', { n: o.memberCount }) : ''}
            {filtered && !list.loading && !list.error
              ? ' · ' + (list.next ? t('foundMore', { n: list.items.length }) : t('foundN', { n: list.items.length })) : ''}
          </h2>
          {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
          {list.loading && !list.items.length && <Loading />}
          {!list.loading && !list.error && !list.items.length && <p class="muted center">{filtered ? t('noMatch') : t('empty')}</p>}
          <ul class="list members">
            {list.items.map((m) => <Member key={m.id} m={m} />)}
          </ul>
          <More list={list} />
        </>
      )}
    </div>
  );
}

function Member({ m }) {
  const facts = [
    m.gender ? v('gender', m.gender) : '',
    m.age != null ? t('ageN', { n: m.age }) : '',
    m.occupation || '',
  ].filter(Boolean).join(' · ');
  return (
    <li class="member card">
      <a class="mlink" href={'#/member/' + m.id}>
        <span class="grow">
          <span class="mhead">
            <strong class="mname">{m.name}</strong>
            <span class={'tag ' + (m.category === 'probationary' ? 'prob' : 'full')}>
              {m.category === 'probationary' ? t('probationary') : t('full')}
            </span>
            {m.migrant && <span class="tag migrant">{t('migrant')}</span>}
            {m.lostContact && <span class="tag lost">{t('lostContact')}</span>}
            {m.status && !['normal'].includes(m.status) && <span class="tag warn">{v('status', m.status)}</span>}
          </span>
          {facts && <span class="mline">{facts}</span>}
          <span class="mline muted">
            {[m.orgName, m.phone].filter(Boolean).join(' · ')}
          </span>
          {m.migrant && m.migrantPlace && <span class="mline muted">{t('migrantAt', { p: m.migrantPlace })}</span>}
        </span>
        <Chevron />
      </a>
    </li>
  );
}
