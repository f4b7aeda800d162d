import { useEffect } from 'preact/hooks';
import { onLive } from '../live.js';
import { t, roleName, levelName } from '../i18n.js';
import { useGet } from '../hooks.js';
import { Chevron, Lazy, can, canAny, orgsWhere } from '../ui.jsx';

const TodoCard = () => import('./Todo.jsx');
const FeedCard = () => import('./Feed.jsx');
const WaitingCard = () => import('./Waiting.jsx');

// The organisations whose correction inbox the user keeps (roster.write there).
export const inboxes = () => orgsWhere('roster.write');

// My meetings, with the number that need me: upcoming ones not yet answered, and
// minutes of missed ones still to read.
function MeetingsRow() {
  const st = useGet('/me/meetings');
  // A meeting scheduled (or closed) for this member shows at once.
  useEffect(() => onLive((ev) => { if (ev.type === 'meeting' || ev.type === 'reset') st.reload(); }), []);
  const n = st.data ? st.data.items.filter((m) => (m.state === 'scheduled' && m.myStatus === 'expected' && !m.leaveState) || m.needsConfirm).length : 0;
  return (
    <a class="bigrow" href="#/meetings">
      <span class="grow">
        <strong class="orgname">{t('myMeetings')}</strong>
        <span class="muted">{t('myMeetingsHint')}</span>
      </span>
      {n > 0 && <span class="badge" aria-label={String(n)}>{n}</span>}
      <Chevron />
    </a>
  );
}

// A link to the pending corrections of one organisation, with their number.
function Inbox({ r }) {
  const st = useGet('/corrections?orgId=' + encodeURIComponent(r.orgId) + '&state=pending&limit=100');
  const d = st.data;
  const n = d ? (d.items || []).length : 0;
  return (
    <a class="bigrow" href={'#/corrections/' + r.orgId}>
      <span class="grow">
        <strong>{t('correctionsInbox')}</strong>
        <span class="muted">{r.orgName}</span>
      </span>
      {d && <span class={'badge' + (n ? '' : ' zero')} aria-label={String(n)}>{n}{d.next ? '+' : ''}</span>}
      <Chevron />
    </a>
  );
}

// The shortcuts a user's permissions give: a roster per branch whose roster they read, a
// tree per organisation above a branch, or a branch they administer or audit.
export function shortcuts() {
  const out = [];
  const seen = new Set();
  const add = (kind, r) => {
    const k = kind + ':' + r.orgId;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ kind, orgId: r.orgId, orgName: r.orgName });
  };
  for (const r of orgsWhere('org.read')) {
    const branch = r.orgLevel === 'branch';
    if (branch && can('roster.read', r.orgPath)) add('roster', r);
    if (!branch || can('org.admin', r.orgPath) || can('audit.read', r.orgPath)) add('org', r);
  }
  return out;
}

// 互动交流: the channel, news, search; a leader's inbox and review queue.
function Reach({ me }) {
  const rows = [];
  if (me.member) rows.push(['#/threads', t('reachWrite'), t('reachWriteHint')]);
  for (const r of orgsWhere('channel.answer')) rows.push(['#/inbox/' + r.orgId, t('reachInbox'), r.orgName]);
  rows.push(['#/posts', t('reachPosts'), t('reachPostsHint')]);
  rows.push(['#/learn', t('reachLearn'), t('reachLearnHint')]);
  for (const r of orgsWhere('post.review')) rows.push(['#/reviews/' + r.orgId, t('reachReview'), r.orgName]);
  if (canAny('wordlist.admin')) rows.push(['#/wordlist', t('reachWords'), '']);
  rows.push(['#/search', t('reachSearch'), '']);
  return (
    <section class="card" aria-labelledby="reach-h">
      <h2 id="reach-h">{t('reach')}</h2>
      <ul class="list rows">
        {rows.map(([href, title, hint]) => (
          <li key={href}>
            <a class="bigrow" href={href}>
              <span class="grow"><strong>{title}</strong>{hint && <span class="muted">{hint}</span>}</span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

// 组织生活: the member's activities and polls, a branch leader's; not shown when empty
// (an admin or an auditor above the branches has none here).
function LifeCard({ me }) {
  const admin = orgsWhere('activity.admin').filter((r) => r.orgLevel === 'branch' || r.orgLevel === 'group');
  if (!me.member && !admin.length) return null;
  return (
    <section class="card" aria-labelledby="life-h">
      <h2 id="life-h">{t('orgLife')}</h2>
      <ul class="list rows">
        {me.member && <li><a class="bigrow" href="#/activities" data-life="activities"><span class="grow"><strong>{t('lifeActs')}</strong><span class="muted">{t('lifeActsHint')}</span></span><Chevron /></a></li>}
        {me.member && <li><a class="bigrow" href="#/polls" data-life="polls"><span class="grow"><strong>{t('lifePolls')}</strong></span><Chevron /></a></li>}
        {admin.map((r) => (
          <li key={'l' + r.orgId}>
            <a class="bigrow" href={'#/activities/' + r.orgId} data-life="org-activities"><span class="grow"><strong>{t('lifeActsOrg')}</strong><span class="muted">{r.orgName}</span></span><Chevron /></a>
            <a class="bigrow" href={'#/polls/' + r.orgId} data-life="org-polls"><span class="grow"><strong>{t('lifePollsOrg')}</strong><span class="muted">{r.orgName}</span></span><Chevron /></a>
          </li>
        ))}
      </ul>
    </section>
  );
}

// 在外地: a member working away (migrant) sees where the app has them, the branch that
// hosts them there, and what they can do from there: the host branch's activities,
// meetings (online, or leave), dues.
function AwayCard({ m }) {
  const rows = [];
  if (m.host) rows.push(['#/activities/' + m.host.id, t('awayActs'), m.host.name, 'acts']);
  rows.push(['#/meetings', t('awayMeetings'), t('awayMeetingsHint'), 'meetings']);
  rows.push(['#/dues-member/' + m.id, t('awayDues'), m.host ? t('awayDuesHost', { name: m.host.name }) : '', 'dues']);
  return (
    <section class="card away" aria-labelledby="away-h">
      <h2 id="away-h">{t('awayTitle', { place: m.migrantPlace || '' })}</h2>
      <p class="muted">{m.host ? t('awayHost', { name: m.host.name }) : t('awayNoHost')}</p>
      <ul class="list rows">
        {rows.map(([href, title, hint, k]) => (
          <li key={k}>
            <a class="bigrow" href={href} data-away={k}>
              <span class="grow"><strong>{title}</strong>{hint && <span class="muted">{hint}</span>}</span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

// 审计日志 of each organisation whose log the user reads (auditors, safety officers).
function AuditCard() {
  const orgs = orgsWhere('audit.read');
  if (!orgs.length) return null;
  return (
    <section class="card" aria-labelledby="audit-h">
      <h2 id="audit-h">{t('auditLog')}</h2>
      <ul class="list rows">
        {orgs.map((r) => (
          <li key={r.orgId}>
            <a class="bigrow" href={'#/audit/' + r.orgId} data-audit={r.orgId}>
              <span class="grow"><strong>{t('auditOpen')}</strong><span class="muted">{r.orgName}</span></span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Home({ me }) {
  const home = me.home;
  const roles = me.roles || [];
  const links = shortcuts();
  return (
    <div>
      <header class="hello">
        <h1>{t('hello', { name: me.name })}</h1>
      </header>

      {me.member && <Lazy load={WaitingCard} props={{}} />}
      {me.member && me.member.migrant && <AwayCard m={me.member} />}

      <section class="card" aria-labelledby="home-h">
        <h2 id="home-h">{home && home.level !== 'branch' ? t('myOrg') : t('myBranch')}</h2>
        {home ? (
          <a class="bigrow" href={'#/org/' + home.id}>
            <span class="grow">
              <strong class="orgname">{home.name}</strong>
              {home.path && home.path.length > 1 && (
                <span class="path">{home.path.map((p) => p.name).join(' › ')}</span>
              )}
            </span>
            <Chevron />
          </a>
        ) : <p class="muted">{t('noHome')}</p>}
      </section>

      <Lazy load={FeedCard} props={{ me }} />

      {me.member && (
        <section class="card">
          <a class="bigrow" href="#/my">
            <span class="grow">
              <strong class="orgname">{t('myRecord')}</strong>
              <span class="muted">{t('myRecordHint')}</span>
            </span>
            <Chevron />
          </a>
        </section>
      )}

      <Reach me={me} />
      <LifeCard me={me} />
      <AuditCard />
      {me.member && (
        <section class="card">
          <MeetingsRow />
        </section>
      )}

      {inboxes().length > 0 && <Lazy load={TodoCard} props={{ orgs: inboxes() }} quiet />}

      {inboxes().length > 0 && (
        <section class="card" aria-label={t('correctionsInbox')}>
          <ul class="list rows">
            {inboxes().map((r) => <li key={r.orgId}><Inbox r={r} /></li>)}
          </ul>
        </section>
      )}

      {links.length > 0 && (
        <section class="actions">
          {links.map((l) => (
            <a key={l.kind + l.orgId} class="btn primary wide action" href={'#/' + l.kind + '/' + l.orgId}>
              <span>{l.kind === 'roster' ? t('roster') : t('orgTree')}</span>
              <small>{l.orgName}</small>
            </a>
          ))}
          {links.map((l) => (
            <a key={'c' + l.orgId} class="btn secondary wide action" href={'#/compliance/' + l.orgId}>
              <span>{t('meetingsLink')}</span>
              <small>{l.orgName}</small>
            </a>
          ))}
        </section>
      )}

      {roles.length > 0 && (
        <section class="card" aria-labelledby="roles-h">
          <h2 id="roles-h">{t('myRoles')}</h2>
          <ul class="list">
            {roles.map((r) => (
              <li key={r.id} class="role">
                <strong>{roleName(r.role)}</strong>
                <span class="muted">{r.orgName}{r.orgLevel && !String(r.orgName || '').endsWith(levelName(r.orgLevel)) ? ' · ' + levelName(r.orgLevel) : ''}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
