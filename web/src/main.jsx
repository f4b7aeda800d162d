import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { clearDrafts } from './draft.js';
import { api, onNetwork, onUnauthorized } from './api.js';
import { setLang, t } from './i18n.js';
import { Login } from './pages/Login.jsx';
import { Home } from './pages/Home.jsx';
import { Org } from './pages/Org.jsx';
import { Roster } from './pages/Roster.jsx';
import { Account } from './pages/Account.jsx';
import { SmsAdmin } from './pages/Sms.jsx';
import { IconHome, IconTree, IconUser, orgTabTarget, Lazy, setGrants } from './ui.jsx';
import { onLive, stopLive, unreadNow } from './live.js';
import './validate.js';
import './app.css';

// Screens in their own chunks, loaded when first opened.
const MemberPage = () => import('./pages/Member.jsx');
const MemberForm = () => import('./pages/MemberForm.jsx');
const CorrectionsPage = () => import('./pages/Corrections.jsx');
const StatsPage = () => import('./pages/Stats.jsx');
const pick = (load, name) => () => load().then((m) => ({ default: m[name] }));
const TransfersMod = () => import('./pages/Transfers.jsx');
const TransferList = TransfersMod;
const TransferDetail = pick(TransfersMod, 'TransferDetail');
const TransferStart = pick(TransfersMod, 'TransferStart');
const DuesMod = () => import('./pages/Dues.jsx');
const DuesMember = pick(DuesMod, 'DuesMember');
const PipelineMod = () => import('./pages/Pipeline.jsx');
const ApplicantPage = pick(PipelineMod, 'Applicant');
const ApplicantNew = pick(PipelineMod, 'ApplicantNew');
const ImportPage = () => import('./pages/Import.jsx');
const TotpPage = () => import('./pages/Totp.jsx');
const LifeMod = () => import('./pages/Life.jsx');
const ActivityDetail = pick(LifeMod, 'ActivityDetail');
const ActivityForm = pick(LifeMod, 'ActivityForm');
const PollList = pick(LifeMod, 'Polls');
const PollPage = pick(LifeMod, 'PollPage');
const PollForm = pick(LifeMod, 'PollForm');
const MeetingsMod = () => import('./pages/Meetings.jsx');
const MeetingPage = pick(MeetingsMod, 'Meeting');
const MeetingNew = pick(MeetingsMod, 'MeetingNew');
const RoomPage = () => import('./pages/Room.jsx');
const MyMeetings = pick(MeetingsMod, 'MyMeetings');
const CheckinLink = pick(MeetingsMod, 'CheckinLink');
const ChannelMod = () => import('./pages/Channel.jsx');
const WriteThread = pick(ChannelMod, 'WriteThread');
const ThreadView = pick(ChannelMod, 'ThreadView');
const InboxPage = pick(ChannelMod, 'Inbox');
const SendThread = pick(ChannelMod, 'SendThread');
const PostsMod = () => import('./pages/Posts.jsx');
const PostView = pick(PostsMod, 'PostView');
const PostNew = pick(PostsMod, 'PostNew');
const ReviewsPage = pick(PostsMod, 'Reviews');
const WordListPage = pick(PostsMod, 'WordList');
const SearchPage = () => import('./pages/Search.jsx');
const NoticesMod = () => import('./pages/Notices.jsx');
const NoticeView = NoticesMod;
const NoticeNew = pick(NoticesMod, 'NoticeNew');
const NoticeReport = pick(NoticesMod, 'NoticeReport');
const NoticeList = pick(NoticesMod, 'NoticeList');
const AuditPage = () => import('./pages/Audit.jsx');
const LearnMod = () => import('./pages/Learn.jsx');
const LessonPage = pick(LearnMod, 'Lesson');
const CoursePage = pick(LearnMod, 'Course');
const QuizPage = pick(LearnMod, 'Quiz');
const QuizPrint = pick(LearnMod, 'QuizPrint');
const LearnOrg = pick(LearnMod, 'LearnOrg');
const AdminPage = () => import('./pages/Admin.jsx');
const SlipsMod = () => import('./pages/Slips.jsx');
const SlipsPage = pick(SlipsMod, 'Slips');
const ActivatePage = pick(() => import('./pages/Activate.jsx'), 'Activate');

// The routes, matched in order against the hash path ('/poll/7'): a pattern's ':name'
// parts become params (decoded), a trailing '?' makes one optional. `page` is a component
// of the initial bundle, `load` a lazily loaded one; `props` maps params (and the app's
// session callbacks) to the screen's props; `tab` the tab shown as current. The remount
// key is the pattern with its params, so two routes never share a screen.
const byId = (p) => ({ id: p.id });
const byOrg = (p) => ({ orgId: p.id });
const none = () => ({});
const ROUTES = [
  { path: '/org/:id', page: Org, props: byId, tab: 'org' },
  { path: '/sms/:id', page: SmsAdmin, props: byId, tab: 'org' },
  { path: '/roster/:id', page: Roster, props: byId, tab: 'org' },
  { path: '/member/:id', load: MemberPage, props: byId, tab: 'org' },
  { path: '/my', load: MemberPage, props: () => ({ own: true }) },
  { path: '/member-new/:id', load: MemberForm, props: byOrg, tab: 'org' },
  { path: '/member-edit/:id', load: MemberForm, props: (p) => ({ memberId: p.id }), tab: 'org' },
  { path: '/corrections/:id', load: CorrectionsPage, props: byId },
  { path: '/stats/:id', load: StatsPage, props: byId, tab: 'org' },
  { path: '/transfers/:id', load: TransferList, props: byId, tab: 'org' },
  { path: '/transfer/:id', load: TransferDetail, props: byId },
  { path: '/transfer-new/:id', load: TransferStart, props: (p) => ({ memberId: p.id }) },
  { path: '/dues/:id', load: DuesMod, props: byId, tab: 'org' },
  { path: '/dues-member/:id', load: DuesMember, props: (p) => ({ memberId: p.id }) },
  { path: '/pipeline/:id/:stage?', load: PipelineMod, props: (p) => ({ id: p.id, stage: p.stage }), tab: 'org' },
  { path: '/applicant/:id', load: ApplicantPage, props: byId, tab: 'org' },
  { path: '/applicant-new/:id', load: ApplicantNew, props: byOrg, tab: 'org' },
  { path: '/import/:id', load: ImportPage, props: byId, tab: 'org' },
  { path: '/activities/:id?', load: LifeMod, props: byId },
  { path: '/activity/:id', load: ActivityDetail, props: byId },
  { path: '/activity-new/:id', load: ActivityForm, props: byOrg },
  { path: '/activity-edit/:id', load: ActivityForm, props: (p) => ({ activityId: p.id }) },
  { path: '/polls/:id?', load: PollList, props: byId },
  { path: '/poll/:id', load: PollPage, props: byId },
  { path: '/poll-new/:id', load: PollForm, props: byOrg },
  { path: '/compliance/:id', load: MeetingsMod, props: byId, tab: 'org' },
  { path: '/meeting/:id', load: MeetingPage, props: byId },
  { path: '/meeting-new/:id', load: MeetingNew, props: byOrg, tab: 'org' },
  { path: '/room/:id', load: RoomPage, props: byId },
  { path: '/meetings', load: MyMeetings, props: none },
  { path: '/checkin/:id/:code', load: CheckinLink, props: (p) => ({ id: p.id, code: p.code }) },
  { path: '/threads', load: ChannelMod, props: none },
  { path: '/thread-new', load: WriteThread, props: none },
  { path: '/thread/:id', load: ThreadView, props: byId },
  { path: '/inbox/:id', load: InboxPage, props: byId },
  { path: '/thread-send/:id', load: SendThread, props: byId },
  { path: '/posts', load: PostsMod, props: none },
  { path: '/post/:id', load: PostView, props: byId },
  { path: '/post-new/:kind?', load: PostNew, props: (p) => ({ kind: p.kind }) },
  { path: '/reviews/:id', load: ReviewsPage, props: byId },
  { path: '/wordlist', load: WordListPage, props: none },
  { path: '/search', load: SearchPage, props: none },
  { path: '/notice/:id', load: NoticeView, props: byId },
  { path: '/notice-new/:id', load: NoticeNew, props: byOrg },
  { path: '/notice-report/:id/:org?', load: NoticeReport, props: (p) => ({ id: p.id, orgId: p.org }) },
  { path: '/notices/:id?', load: NoticeList, props: byOrg },
  { path: '/audit/:id', load: AuditPage, props: byId },
  { path: '/learn', load: LearnMod, props: none },
  { path: '/lesson/:id', load: LessonPage, props: byId },
  { path: '/course/:id', load: CoursePage, props: byId },
  { path: '/quiz/:id', load: QuizPage, props: byId },
  { path: '/quiz-print/:id', load: QuizPrint, props: byId },
  { path: '/learn-org/:id', load: LearnOrg, props: byId },
  { path: '/admin/:id', load: AdminPage, props: byId, tab: 'org' },
  { path: '/slips/:id', load: SlipsPage, props: byId, tab: 'org' },
  { path: '/account', page: Account, props: (p, c) => ({ prefs: c.prefs, onLogout: c.signedOut }), tab: 'me' },
  { path: '/totp/:mode?', load: TotpPage, props: (p, c) => ({ mode: p.mode || 'enrol', onMe: c.refreshMe, onLogout: c.signedOut }), tab: 'me' },
];
const HOME = { path: '/home', page: Home, props: none };

// The first route whose pattern matches path (extra trailing parts are ignored, as
// before), else the home page: {route, params, key}.
export function matchRoute(path) {
  const parts = path.split('/').slice(1);
  for (const route of ROUTES) {
    const pat = route.path.split('/').slice(1);
    if (pat[0] !== parts[0]) continue;
    const params = {};
    let ok = true;
    for (let i = 1; i < pat.length && ok; i++) {
      const opt = pat[i].endsWith('?');
      const name = pat[i].slice(1, opt ? -1 : undefined);
      const v = parts[i] ? decodeURIComponent(parts[i]) : '';
      if (!v && !opt) ok = false;
      params[name] = v;
    }
    if (ok) return { route, params, key: route.path + JSON.stringify(params) };
  }
  return { route: HOME, params: {}, key: HOME.path };
}

// The unread count of the home feed on the 首页 tab, kept live.
function UnreadBadge() {
  const [n, setN] = useState(unreadNow());
  useEffect(() => onLive((ev) => { if (ev.type === 'unread') setN(ev.unread); }), []);
  if (!n) return null;
  return <b class="tab-badge" aria-label={t('unreadN', { n })}>{n > 99 ? '99+' : n}</b>;
}

const LS = { lang: 'zhibu.lang', large: 'zhibu.large', me: 'zhibu.me' };

// Offline captures (offline.js, loaded only when some are kept) belong to their account.
const OFFLINE = /^zhibu\.(syncq|syncrej|syncowner|mtg\.)/;
function offline(fn) {
  let kept = false;
  try { kept = Object.keys(localStorage).some((k) => OFFLINE.test(k)); } catch (e) { /* no storage */ }
  if (kept) import('./offline.js').then(fn);
}

function lsGet(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
function lsSet(k, v) { try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) { /* private mode */ } }

export function applyPrefs(lang, large) {
  setLang(lang);
  document.documentElement.classList.toggle('large', !!large);
}

function parseHash() {
  const path = '/' + location.hash.replace(/^#\/?/, '');
  return { path, name: path.split('/')[1] || '' };
}

function cachedMe() {
  try { return JSON.parse(lsGet(LS.me) || 'null'); } catch (e) { return null; }
}

function App() {
  const [route, setRoute] = useState(parseHash());
  const [me, setMe] = useState(undefined); // undefined = not yet known
  const [online, setOnline] = useState(navigator.onLine !== false);
  const [lang, setLangState] = useState(lsGet(LS.lang) === 'en' ? 'en' : 'zh');
  const [large, setLarge] = useState(lsGet(LS.large) === '1');

  applyPrefs(lang, large);
  setGrants(me);

  useEffect(() => {
    const onHash = () => { setRoute(parseHash()); window.scrollTo(0, 0); };
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('hashchange', onHash);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    onNetwork(setOnline);
    // Changes captured offline (meetings) are uploaded when the network returns, by the
    // account that captured them only (offline.js).
    const flushQueue = () => offline((m) => m.flush());
    window.addEventListener('online', flushQueue);
    onUnauthorized(() => { lsSet(LS.me, null); setMe(null); });
    api('/me', { noAuthRedirect: true }).then(
      (d) => { lsSet(LS.me, JSON.stringify(d)); setMe(d); offline((m) => { m.forAccount(d.id); m.flush(); }); },
      (e) => setMe(e.code === 'network' ? cachedMe() : null),
    );
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);

  // Keep the address in step with the session: logged out → #/login, logged in → not login.
  useEffect(() => {
    if (me === undefined) return;
    if (!me && route.name !== 'login' && route.name !== 'activate') {
      if (route.name && route.name !== 'account') lsSet('zhibu.after', location.hash);
      location.replace('#/login');
    } else if (me && (route.name === 'login' || route.name === '')) {
      location.replace('#/home');
    }
  }, [me, route.name]);

  const prefs = {
    lang, large,
    setLang: (l) => { lsSet(LS.lang, l); setLangState(l); },
    setLarge: (v) => { lsSet(LS.large, v ? '1' : null); setLarge(v); },
  };

  const signedIn = (user) => {
    lsSet(LS.me, JSON.stringify(user));
    offline((m) => { m.forAccount(user.id); m.flush(); });
    setMe(user);
    const after = lsGet('zhibu.after');
    lsSet('zhibu.after', null);
    location.replace(after && after !== '#/login' ? after : '#/home');
  };
  // GET /me again (after the second factor changed); resolves when done.
  const refreshMe = () => api('/me').then((d) => { lsSet(LS.me, JSON.stringify(d)); setMe(d); });
  const signedOut = () => {
    stopLive();
    offline((m) => m.clearAll());
    clearDrafts();
    lsSet(LS.me, null);
    lsSet('zhibu.after', null);
    setMe(null);
    location.replace('#/login');
  };

  const banner = !online && <div class="offline" role="status">{t('offline')}</div>;

  if (me === undefined) return <div class="boot">{banner}<p>{t('loading')}</p></div>;

  // The activation page of a slip's QR code opens without a session (and signs in).
  if (route.name === 'activate') {
    const code = route.path.split('/')[2] || '';
    return <div class="shell">{banner}<Lazy key="activate" load={ActivatePage} props={{ code, onDone: signedIn }} /></div>;
  }
  if (!me) {
    return <div class="shell">{banner}<Login onDone={signedIn} prefs={prefs} /></div>;
  }

  // An admin role without its second factor may only enrol (admin_second_factor = required).
  if (me.secondFactor?.enrolRequired) {
    return (
      <div class="shell">
        {banner}
        <main class="page"><Lazy key="tf-forced" load={TotpPage} props={{ me, mode: 'enrol', onMe: refreshMe, onLogout: signedOut }} /></main>
      </div>
    );
  }

  const m = matchRoute(route.path);
  const tab = m.route.tab || 'home';
  const ctx = { me, prefs, refreshMe, signedOut };
  const props = { me, ...m.route.props(m.params, ctx) };
  const page = m.route.page
    ? <m.route.page key={m.key} {...props} />
    : <Lazy key={m.key} load={m.route.load} props={props} />;
  const orgId = orgTabTarget(me);

  return (
    <div class="shell has-tabs">
      {banner}
      <main class="page">{page}</main>
      <nav class="tabs" aria-label="main">
        <a href="#/home" class={tab === 'home' ? 'on' : ''} aria-current={tab === 'home' ? 'page' : undefined}>
          <span class="tab-icon"><IconHome /><UnreadBadge /></span><span>{t('tabHome')}</span>
        </a>
        <a href={orgId != null ? '#/org/' + orgId : '#/home'} class={tab === 'org' ? 'on' : ''} aria-current={tab === 'org' ? 'page' : undefined}>
          <IconTree /><span>{t('tabOrg')}</span>
        </a>
        <a href="#/account" class={tab === 'me' ? 'on' : ''} aria-current={tab === 'me' ? 'page' : undefined}>
          <IconUser /><span>{t('tabMe')}</span>
        </a>
      </nav>
    </div>
  );
}

applyPrefs(lsGet(LS.lang) === 'en' ? 'en' : 'zh', lsGet(LS.large) === '1');
const root = document.getElementById('app');
root.textContent = ''; // drop the boot placeholder: render() appends, it does not replace
render(<App />, root);

if ('serviceWorker' in navigator && location.protocol !== 'file:' && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => { /* no SW: still works online */ });
  });
}
