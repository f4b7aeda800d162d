// 组织管理 (#/admin/ORG): what an organisation admin does from a phone instead of a shell —
// grant and revoke roles (the person found by name within the admin's scope, or by phone),
// create a subordinate organisation, rename, move and close this one; links to the word
// list and the audit log where the caller has them. Only what the caller's permissions
// allow is offered (the same rules as the API, which checks again); a revoke, a move and a
// close ask once, in place; every answer appears beside the button tapped. The server
// audits every change.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { besideField, useGet, usePaged } from '../hooks.js';
import { addStrings, errText, levelName, roleName, t } from '../i18n.js';
import { Chevron, ErrorBox, Loading, More, TopBar, can, canAny } from '../ui.jsx';
import { fmtDate } from '../time.js';

addStrings({
  admTitle: '组织管理', admRoles: '职务任免', admGrant: '任命职务', admRole: '职务', admWho: '任命谁',
  admByName: '按姓名查找', admByPhone: '按手机号', admName: '党员姓名', admFindMember: '查找党员', admFindParent: '查找上级组织', admPhone: '手机号',
  admNoneFound: '在您管辖的范围内没有找到这个名字', admPick: '选择一人', admDoGrant: '确定任命',
  admGranted: '已任命{name}为{role}', admRevoke: '撤销', admRevokeAsk: '撤销{name}的“{role}”职务？',
  admRevokeYes: '确认撤销', admNo: '取消', admRevoked: '已撤销', admSince: '{date} 起',
  admOrg: '组织设置', admCreate: '新建下级组织', admNewName: '新组织名称', admLevel: '层级', admDoCreate: '新建',
  admCreated: '已新建：{name}', admOpen: '打开', admRename: '组织改名', admNewNameOf: '新名称', admDoRename: '改名',
  admRenamed: '已改名', admMove: '调整隶属关系', admMoveFind: '新的上级组织（输入名称查找）',
  admMoveAsk: '把“{name}”（连同下级组织和党员）调到“{to}”下？', admMoveYes: '确认调整', admMoved: '已调整隶属关系',
  admClose: '撤销组织', admCloseAsk: '撤销“{name}”？撤销后不能再添加党员和下级组织。', admCloseYes: '确认撤销组织',
  admClosedNow: '已撤销', admWords: '敏感词管理', admAudit: '审计日志', admNothing: '您在这里没有管理权限。',
  admRolesNone: '还没有任命', 'err.org.not_empty': '这个组织还有党员或下级组织，不能撤销',
  'err.org.bad_parent': '这个层级不能放在那里', 'err.org.cycle': '不能调到自己的下级组织里',
  'err.org.closed': '这个组织已撤销', 'err.role.exists': '此人已有这个职务',
  'err.account.not_found': '此人还没有账号，请先开通账号', 'err.role.not_found': '这项任命不存在或已撤销',
}, {
  admTitle: 'Manage', admRoles: 'Roles', admGrant: 'Grant a role', admRole: 'Role', admWho: 'To whom',
  admByName: 'By name', admByPhone: 'By phone', admName: "Member's name", admFindMember: 'Find the member', admFindParent: 'Find the parent', admPhone: 'Phone',
  admNoneFound: 'No such name within your scope', admPick: 'Choose one', admDoGrant: 'Grant',
  admGranted: '{name} is now {role}', admRevoke: 'Revoke', admRevokeAsk: 'Revoke "{role}" from {name}?',
  admRevokeYes: 'Revoke', admNo: 'Cancel', admRevoked: 'Revoked', admSince: 'since {date}',
  admOrg: 'Organisation', admCreate: 'New organisation below', admNewName: 'Name', admLevel: 'Level', admDoCreate: 'Create',
  admCreated: 'Created: {name}', admOpen: 'Open', admRename: 'Rename', admNewNameOf: 'New name', admDoRename: 'Rename',
  admRenamed: 'Renamed', admMove: 'Move', admMoveFind: 'New parent (type its name)',
  admMoveAsk: 'Move "{name}" (with everything below) under "{to}"?', admMoveYes: 'Move', admMoved: 'Moved',
  admClose: 'Close', admCloseAsk: 'Close "{name}"? No members or organisations can be added to it afterwards.', admCloseYes: 'Close it',
  admClosedNow: 'Closed', admWords: 'Word list', admAudit: 'Audit log', admNothing: 'You manage nothing here.',
  admRolesNone: 'No roles yet',
});

const enc = encodeURIComponent;
const CHILD = {
  province: ['city', 'county'], city: ['county'], county: ['township'], township: ['general_branch', 'branch'],
  general_branch: ['branch'], branch: ['group'],
};
const SEARCHABLE = ['branch', 'general_branch', 'township', 'county']; // GET /orgs/search levels
const PEERS = ['org_admin', 'auditor', 'safety_officer']; // granted only from above
const ROLES = ['branch_secretary', 'branch_committee', 'org_admin', 'auditor', 'safety_officer'];

// The answer to a tap, beside it.
function Said({ s, at }) {
  if (!s || s.at !== at) return null;
  return s.error
    ? <p class="field-error said" role="alert" data-at={at}>{errText(s.error)}</p>
    : <p class="ok-text said" role="status" data-at={at}>{s.text}</p>;
}

// One question, in place, answered with one tap.
function Ask({ text, yes, onYes, onNo, busy }) {
  return (
    <div class="close-ask" role="alertdialog" aria-label={text}>
      <p><strong>{text}</strong></p>
      <div class="btn-row">
        <button type="button" class="btn danger" disabled={busy} onClick={onYes}>{yes}</button>
        <button type="button" class="btn secondary" onClick={onNo}>{t('admNo')}</button>
      </div>
    </div>
  );
}

function Roles({ org, path, parentPath }) {
  const list = usePaged('/roles', { orgId: org.id }, 50);
  const [said, setSaid] = useState(null);
  const [asking, setAsking] = useState(null);
  const [busy, setBusy] = useState(false);
  const fromAbove = parentPath.length > 0 && can('role.admin', parentPath);
  const roles = ROLES.filter((r) => !PEERS.includes(r) || fromAbove)
    .filter((r) => !r.startsWith('branch_') || org.level === 'branch');
  const [role, setRole] = useState(roles[0] || '');
  const [mode, setMode] = useState('name');
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const [pick, setPick] = useState(null);
  const [phone, setPhone] = useState('');
  const run = async (at, fn, ok) => {
    setSaid(null);
    setBusy(true);
    try {
      const r = await fn();
      setSaid({ at, text: ok(r) });
      return r;
    } catch (e) {
      setSaid({ at, error: e });
      besideField(e);
      return null;
    } finally {
      setBusy(false);
    }
  };
  const find = async (e) => {
    e.preventDefault();
    if (!q.trim()) return;
    setPick(null);
    const r = await run('find', () => api('/members?orgId=' + enc(org.id) + '&status=active&limit=10&q=' + enc(q.trim())), () => '');
    if (r) { setFound(r.items || []); setSaid(null); }
  };
  const grant = async (e) => {
    e.preventDefault();
    const body = { orgId: org.id, role };
    if (mode === 'name') { if (!pick) return; body.memberId = pick.id; } else body.phone = phone.trim();
    const g = await run('grant', () => api('/roles', { method: 'POST', body }),
      (x) => t('admGranted', { name: x.accountName, role: roleName(x.role) }));
    if (g) { list.reload(); setFound(null); setPick(null); setQ(''); setPhone(''); }
  };
  const revoke = async (g) => {
    const ok = await run('role:' + g.id, () => api('/roles/' + g.id, { method: 'DELETE' }), () => t('admRevoked'));
    setAsking(null);
    if (ok) list.reload();
  };
  return (
    <section class="card" aria-labelledby="roles-h">
      <h2 id="roles-h">{t('admRoles')}</h2>
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted">{t('admRolesNone')}</p>}
      <ul class="list rows">
        {list.items.map((g) => (
          <li key={g.id} class="grant" data-grant={g.id} data-role={g.role}>
            <div class="mline">
              <span class="grow">
                <strong>{g.accountName}</strong> <span class="tag">{roleName(g.role)}</span>
                <span class="muted small-line">{g.orgName} · {g.phone} · {t('admSince', { date: fmtDate(g.grantedAt) })}</span>
              </span>
              {asking !== g.id && <button type="button" class="btn secondary" onClick={() => { setSaid(null); setAsking(g.id); }}>{t('admRevoke')}</button>}
            </div>
            {asking === g.id && (
              <Ask text={t('admRevokeAsk', { name: g.accountName, role: roleName(g.role) })} yes={t('admRevokeYes')} busy={busy}
                onYes={() => revoke(g)} onNo={() => setAsking(null)} />
            )}
            <Said s={said} at={'role:' + g.id} />
          </li>
        ))}
      </ul>
      <More list={list} />

      {roles.length > 0 && (
        <div class="form grant-form">
          <h3>{t('admGrant')}</h3>
          <label class="field"><span>{t('admRole')}</span>
            <select class="fsel block" name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              {roles.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
            </select>
          </label>
          <div class="seg wide-seg" role="tablist" aria-label={t('admWho')}>
            {['name', 'phone'].map((x) => (
              <button key={x} type="button" role="tab" aria-selected={mode === x} class={mode === x ? 'on' : ''}
                onClick={() => { setMode(x); setSaid(null); }}>{t(x === 'name' ? 'admByName' : 'admByPhone')}</button>
            ))}
          </div>
          {mode === 'name' ? (
            <>
              <form class="form" onSubmit={find}>
                <label class="field"><span>{t('admName')}</span>
                  <input value={q} onInput={(e) => setQ(e.currentTarget.value)} maxLength={20} required />
                </label>
                <button type="submit" class="btn secondary wide" disabled={busy}>{t('admFindMember')}</button>
                <Said s={said} at="find" />
              </form>
              {found && !found.length && <p class="muted">{t('admNoneFound')}</p>}
              {found && found.length > 0 && (
                <fieldset class="field pick-person">
                  <legend>{t('admPick')}</legend>
                  {found.map((m) => (
                    <label key={m.id} class="check">
                      <input type="radio" name="pick" checked={pick && pick.id === m.id} onChange={() => setPick(m)} />
                      {' '}{m.name}<span class="muted"> · {m.orgName || ''}</span>
                    </label>
                  ))}
                </fieldset>
              )}
            </>
          ) : null}
          <form class="form" onSubmit={grant}>
            {mode === 'phone' && (
              <label class="field"><span>{t('admPhone')}</span>
                <input type="tel" name="phone" inputMode="numeric" value={phone} maxLength={11} onInput={(e) => setPhone(e.currentTarget.value)} />
              </label>
            )}
            <button type="submit" class="btn primary wide" disabled={busy || (mode === 'name' ? !pick : phone.trim().length !== 11)}>{t('admDoGrant')}</button>
            <Said s={said} at="grant" />
          </form>
        </div>
      )}
    </section>
  );
}

function OrgSettings({ org, parentPath, onOrg }) {
  const [said, setSaid] = useState(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState('');
  const kids = CHILD[org.level] || [];
  const [name, setName] = useState('');
  const [level, setLevel] = useState(kids[0] || '');
  const [rename, setRename] = useState(org.name);
  const [q, setQ] = useState('');
  const [parents, setParents] = useState(null);
  const [to, setTo] = useState(null);
  const above = parentPath.length > 0 && can('org.admin', parentPath);
  const parentLevels = Object.keys(CHILD).filter((k) => CHILD[k].includes(org.level) && SEARCHABLE.includes(k));
  const run = async (at, fn, ok) => {
    setSaid(null);
    setBusy(true);
    try {
      const r = await fn();
      setSaid({ at, text: ok(r), r });
      if (at !== 'create') onOrg(r); // the organisation as it is now (not reloaded: the answer stays)
      return r;
    } catch (e) {
      setSaid({ at, error: e });
      besideField(e);
      return null;
    } finally {
      setBusy(false);
      setAsking('');
    }
  };
  const create = async (e) => {
    e.preventDefault();
    if (!name.trim()) return;
    const o = await run('create', () => api('/orgs', { method: 'POST', body: { parentId: org.id, name: name.trim(), level } }),
      (x) => t('admCreated', { name: x.name }));
    if (o) setName('');
  };
  const doRename = (e) => {
    e.preventDefault();
    if (!rename.trim() || rename.trim() === org.name) return;
    run('rename', () => api('/orgs/' + org.id, { method: 'PATCH', body: { name: rename.trim() } }), () => t('admRenamed'));
  };
  const findParent = async (e) => {
    e.preventDefault();
    if (q.trim().length < 2) return;
    setTo(null);
    const all = [];
    for (const l of parentLevels) {
      try {
        const r = await api('/orgs/search?q=' + enc(q.trim()) + '&level=' + l);
        all.push(...(r.items || []));
      } catch (err) { setSaid({ at: 'move', error: err }); }
    }
    setParents(all.filter((p) => p.id !== org.id)); // the server refuses a parent outside the caller's scope
  };
  return (
    <section class="card" aria-labelledby="orgset-h">
      <h2 id="orgset-h">{t('admOrg')}</h2>
      {!org.closed && kids.length > 0 && (
        <form class="form" onSubmit={create}>
          <h3>{t('admCreate')}</h3>
          <label class="field"><span>{t('admNewName')}</span>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={60} required />
          </label>
          <label class="field"><span>{t('admLevel')}</span>
            <select class="fsel block" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
              {kids.map((l) => <option key={l} value={l}>{levelName(l)}</option>)}
            </select>
          </label>
          <button type="submit" class="btn primary wide" disabled={busy}>{t('admDoCreate')}</button>
          <Said s={said} at="create" />
          {said && said.at === 'create' && said.r && <a class="btn secondary wide" href={'#/admin/' + said.r.id}>{t('admOpen')}：{said.r.name}</a>}
        </form>
      )}
      {above && !org.closed && (
        <>
          <form class="form" onSubmit={doRename}>
            <h3>{t('admRename')}</h3>
            <label class="field"><span>{t('admNewNameOf')}</span>
              <input value={rename} onInput={(e) => setRename(e.currentTarget.value)} maxLength={60} required />
            </label>
            <button type="submit" class="btn secondary wide" disabled={busy}>{t('admDoRename')}</button>
            <Said s={said} at="rename" />
          </form>
          {parentLevels.length > 0 && (
            <form class="form" onSubmit={findParent}>
              <h3>{t('admMove')}</h3>
              <label class="field"><span>{t('admMoveFind')}</span>
                <input value={q} onInput={(e) => setQ(e.currentTarget.value)} minLength={2} maxLength={30} required />
              </label>
              <button type="submit" class="btn secondary wide" disabled={busy}>{t('admFindParent')}</button>
              {parents && !parents.length && <p class="muted">{t('admNoneFound')}</p>}
              {parents && parents.length > 0 && (
                <ul class="list rows">
                  {parents.map((p) => (
                    <li key={p.id}>
                      <button type="button" class={'btn wide ' + (to && to.id === p.id ? 'primary' : 'secondary')} onClick={() => { setTo(p); setAsking('move'); }}>
                        {p.name}
                      </button>
                      <span class="muted small-line">{p.pathNames}</span>
                    </li>
                  ))}
                </ul>
              )}
              {asking === 'move' && to && (
                <Ask text={t('admMoveAsk', { name: org.name, to: to.name })} yes={t('admMoveYes')} busy={busy}
                  onYes={() => run('move', () => api('/orgs/' + org.id + '/move', { method: 'POST', body: { parentId: to.id } }), () => t('admMoved'))}
                  onNo={() => setAsking('')} />
              )}
              <Said s={said} at="move" />
            </form>
          )}
          <div class="form">
            <h3>{t('admClose')}</h3>
            {asking === 'close'
              ? <Ask text={t('admCloseAsk', { name: org.name })} yes={t('admCloseYes')} busy={busy}
                onYes={() => run('close', () => api('/orgs/' + org.id + '/close', { method: 'POST' }), () => t('admClosedNow'))}
                onNo={() => setAsking('')} />
              : <button type="button" class="btn danger wide" onClick={() => { setSaid(null); setAsking('close'); }}>{t('admClose')}</button>}
          </div>
        </>
      )}
      <Said s={said} at="close" />
    </section>
  );
}

export default function Admin({ id }) {
  const st = useGet('/orgs/' + enc(id));
  const [now, setNow] = useState(null); // the organisation as the last change answered
  const o = st.data && (now ? { ...st.data, ...now, path: st.data.path } : st.data);
  const path = o ? (o.path && o.path.length ? o.path : [{ id: o.id, name: o.name, level: o.level }]) : [];
  const parentPath = path.slice(0, -1);
  const roles = o && can('role.admin', path);
  const orgAdmin = o && can('org.admin', path);
  return (
    <div>
      <TopBar title={o ? t('admTitle') + ' · ' + o.name : t('admTitle')} back={'#/org/' + id} />
      {st.loading && <Loading />}
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {o && (
        <>
          {!roles && !orgAdmin && <p class="muted">{t('admNothing')}</p>}
          {roles && <Roles org={o} path={path} parentPath={parentPath} />}
          {orgAdmin && <OrgSettings org={o} parentPath={parentPath} onOrg={setNow} />}
          {(canAny('wordlist.admin') || can('audit.read', path)) && (
            <section class="card">
              <ul class="list rows">
                {canAny('wordlist.admin') && <li><a class="bigrow" href="#/wordlist"><span class="grow"><strong>{t('admWords')}</strong></span><Chevron /></a></li>}
                {can('audit.read', path) && <li><a class="bigrow" href={'#/audit/' + o.id}><span class="grow"><strong>{t('admAudit')}</strong></span><Chevron /></a></li>}
              </ul>
            </section>
          )}
        </>
      )}
    </div>
  );
}
