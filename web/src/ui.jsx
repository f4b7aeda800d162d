import { useEffect, useState } from 'preact/hooks';
import { t, errText, levelName } from './i18n.js';

export function go(path) { location.hash = '#/' + path; }

// What the caller may do, from GET /me's `can` ({perm: ["/1/12/", ...]}): the one place
// the client decides what to offer (the server checks every request anyway). main.jsx
// sets it whenever the session changes.
let grants = {};
let roleOrgs = [];
export function setGrants(me) {
  grants = (me && me.can) || {};
  roleOrgs = (me && me.roles) || [];
}

// The materialised path "/1/12/" of an organisation: given as such, as a path array
// (root first, [{id}]), or as an org object (its `path`, else itself alone).
export function orgPath(org) {
  if (!org) return '';
  if (typeof org === 'string') return org;
  if (Array.isArray(org)) return org.length ? '/' + org.map((o) => o.id).join('/') + '/' : '';
  if (org.path && org.path.length) return orgPath(org.path);
  return org.id != null ? '/' + org.id + '/' : '';
}

// Whether perm holds on the organisation: a listed path is a prefix of its path.
export function can(perm, org) {
  const p = orgPath(org);
  return !!p && (grants[perm] || []).some((g) => p.startsWith(g));
}

// Whether perm holds anywhere.
export const canAny = (perm) => (grants[perm] || []).length > 0;

// The caller's role organisations where perm is granted, one entry per organisation
// ({orgId, orgName, orgLevel, orgPath}), in the order of the roles.
export function orgsWhere(perm) {
  const paths = grants[perm] || [];
  const seen = new Set();
  return roleOrgs
    .filter((r) => paths.includes(r.orgPath) && !seen.has(r.orgPath) && seen.add(r.orgPath));
}

// The organisation the 组织 tab opens: the highest organisation above branch level the
// caller may read, else the user's own branch, else their first role's organisation.
export function orgTabTarget(me) {
  if (!me) return null;
  const depth = (r) => r.orgPath.split('/').length;
  const wide = orgsWhere('org.read').filter((r) => r.orgLevel !== 'branch' && r.orgLevel !== 'group')
    .sort((a, b) => depth(a) - depth(b))[0];
  if (wide) return wide.orgId;
  if (me.home) return me.home.id;
  const roles = me.roles || [];
  return roles.length ? roles[0].orgId : null;
}

const svg = (d) => () => (
  <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" fill="none"
    stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
    <path d={d} />
  </svg>
);
export const IconHome = svg('M3 11l9-7 9 7M5 10v10h5v-6h4v6h5V10');
export const IconTree = svg('M9 3h6v5H9zM3 16h6v5H3zM15 16h6v5h-6zM12 8v4M6 16v-4h12v4');
export const IconUser = svg('M12 12a4 4 0 100-8 4 4 0 000 8zM4 21c0-4 4-6 8-6s8 2 8 6');
export const Chevron = () => <span class="chev" aria-hidden="true">›</span>;

export function TopBar({ title, back }) {
  return (
    <header class="topbar">
      {back && <a class="back" href={back} aria-label={t('back')}>‹ {t('back')}</a>}
      <h1>{title}</h1>
    </header>
  );
}

export const Loading = () => <p class="muted center" role="status">{t('loading')}</p>;

export function ErrorBox({ error, onRetry }) {
  return (
    <div class="error" role="alert">
      <p>{errText(error)}</p>
      {onRetry && error && error.status !== 404 && (
        <button type="button" class="btn secondary" onClick={onRetry}>{t('retry')}</button>
      )}
    </div>
  );
}

export const Level = ({ level }) => <span class="tag">{levelName(level)}</span>;

// A path (root first). Items at or below `from` are links; the rest plain text.
export function Crumbs({ path, from = 0, last = false, base = '#/org/' }) {
  if (!path || !path.length) return null;
  return (
    <nav class="crumbs" aria-label="path">
      {path.map((p, i) => {
        const isLast = i === path.length - 1;
        const link = i >= from && !(isLast && !last);
        return (
          <span key={p.id}>
            {i > 0 && <span class="sep" aria-hidden="true"> › </span>}
            {link ? <a href={base + p.id}>{p.name}</a> : <span>{p.name}</span>}
          </span>
        );
      })}
    </nav>
  );
}

export function More({ list }) {
  if (list.error && list.items.length) return <ErrorBox error={list.error} onRetry={list.more} />;
  if (list.loading && list.items.length) return <Loading />;
  if (list.next) {
    return <button type="button" class="btn secondary wide" onClick={list.more}>{t('loadMore')}</button>;
  }
  return null;
}

// A screen in its own chunk: loads the module once, then renders its default export.
const loaded = new Map();
export function Lazy({ load, props, quiet }) {
  const [C, setC] = useState(() => loaded.get(load));
  const [err, setErr] = useState(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (C) return;
    setErr(null);
    load().then(
      (m) => { loaded.set(load, m.default); setC(() => m.default); },
      () => setErr({ code: 'network' }),
    );
  }, [n]); // eslint-disable-line react-hooks/exhaustive-deps
  if (C) return <C {...props} />;
  if (quiet) return null;
  if (err) return <ErrorBox error={err} onRetry={() => setN(n + 1)} />;
  return <Loading />;
}
