import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onNetwork, onUnauthorized } from './api.js';
import { setLang, t } from './i18n.js';
import { Login } from './pages/Login.jsx';
import { Home } from './pages/Home.jsx';
import { Org } from './pages/Org.jsx';
import { Roster } from './pages/Roster.jsx';
import { Account } from './pages/Account.jsx';
import { IconHome, IconTree, IconUser, orgTabTarget, Lazy } from './ui.jsx';
import { onLive, stopLive, unreadNow } from './live.js';
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
const MyMeetings = pick(MeetingsMod, 'MyMeetings');
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

// The unread count of the home feed on the 首页 tab, kept live.
function UnreadBadge() {
  const [n, setN] = useState(unreadNow());
  useEffect(() => onLive((ev) => { if (ev.type === 'unread') setN(ev.unread); }), []);
  if (!n) return null;
  return <b class="tab-badge" aria-label={t('unreadN', { n })}>{n > 99 ? '99+' : n}</b>;
}

const LS = { lang: 'zhibu.lang', large: 'zhibu.large', me: 'zhibu.me' };

function lsGet(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
function lsSet(k, v) { try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) { /* private mode */ } }

export function applyPrefs(lang, large) {
  setLang(lang);
  document.documentElement.classList.toggle('large', !!large);
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  return {
    name: parts[0] || '', id: parts[1] ? decodeURIComponent(parts[1]) : '', sub: parts[2] ? decodeURIComponent(parts[2]) : '',
  };
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

  useEffect(() => {
    const onHash = () => { setRoute(parseHash()); window.scrollTo(0, 0); };
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('hashchange', onHash);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    onNetwork(setOnline);
    // Changes captured offline (meetings) are uploaded when the network returns.
    const flushQueue = () => {
      try { if (localStorage.getItem('zhibu.syncq') && localStorage.getItem('zhibu.syncq') !== '[]') import('./offline.js').then((m) => m.flush()); } catch (e) { /* no storage */ }
    };
    window.addEventListener('online', flushQueue);
    flushQueue();
    onUnauthorized(() => { lsSet(LS.me, null); setMe(null); });
    api('/me', { noAuthRedirect: true }).then(
      (d) => { lsSet(LS.me, JSON.stringify(d)); setMe(d); },
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
    if (!me && route.name !== 'login') {
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
    setMe(user);
    const after = lsGet('zhibu.after');
    lsSet('zhibu.after', null);
    location.replace(after && after !== '#/login' ? after : '#/home');
  };
  // GET /me again (after the second factor changed); resolves when done.
  const refreshMe = () => api('/me').then((d) => { lsSet(LS.me, JSON.stringify(d)); setMe(d); });
  const signedOut = () => { stopLive(); lsSet(LS.me, null); lsSet('zhibu.after', null); setMe(null); location.replace('#/login'); };

  const banner = !online && <div class="offline" role="status">{t('offline')}</div>;

  if (me === undefined) return <div class="boot">{banner}<p>{t('loading')}</p></div>;

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

  let page;
  let tab = 'home';
  switch (route.name) {
    case 'org': page = <Org key={route.id} id={route.id} me={me} />; tab = 'org'; break;
    case 'roster': page = <Roster key={route.id} id={route.id} me={me} />; tab = 'org'; break;
    case 'member': page = <Lazy key={'m' + route.id} load={MemberPage} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'my': page = <Lazy key="my" load={MemberPage} props={{ own: true, me }} />; break;
    case 'member-new': page = <Lazy key={'n' + route.id} load={MemberForm} props={{ orgId: route.id, me }} />; tab = 'org'; break;
    case 'member-edit': page = <Lazy key={'e' + route.id} load={MemberForm} props={{ memberId: route.id, me }} />; tab = 'org'; break;
    case 'corrections': page = <Lazy key={'c' + route.id} load={CorrectionsPage} props={{ id: route.id, me }} />; break;
    case 'stats': page = <Lazy key={'s' + route.id} load={StatsPage} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'transfers': page = <Lazy key={'t' + route.id} load={TransferList} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'transfer': page = <Lazy key={'x' + route.id} load={TransferDetail} props={{ id: route.id, me }} />; break;
    case 'transfer-new': page = <Lazy key={'tn' + route.id} load={TransferStart} props={{ memberId: route.id, me }} />; break;
    case 'dues': page = <Lazy key={'d' + route.id} load={DuesMod} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'dues-member': page = <Lazy key={'dm' + route.id} load={DuesMember} props={{ memberId: route.id, me }} />; break;
    case 'pipeline': page = <Lazy key={'p' + route.id + route.sub} load={PipelineMod} props={{ id: route.id, stage: route.sub, me }} />; tab = 'org'; break;
    case 'applicant': page = <Lazy key={'a' + route.id} load={ApplicantPage} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'applicant-new': page = <Lazy key={'an' + route.id} load={ApplicantNew} props={{ orgId: route.id, me }} />; tab = 'org'; break;
    case 'import': page = <Lazy key={'i' + route.id} load={ImportPage} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'activities': page = <Lazy key={'ac' + route.id} load={LifeMod} props={{ id: route.id, me }} />; break;
    case 'activity': page = <Lazy key={'at' + route.id} load={ActivityDetail} props={{ id: route.id, me }} />; break;
    case 'activity-new': page = <Lazy key={'aw' + route.id} load={ActivityForm} props={{ orgId: route.id, me }} />; break;
    case 'activity-edit': page = <Lazy key={'ae' + route.id} load={ActivityForm} props={{ activityId: route.id, me }} />; break;
    case 'polls': page = <Lazy key={'pl' + route.id} load={PollList} props={{ id: route.id, me }} />; break;
    case 'poll': page = <Lazy key={'po' + route.id} load={PollPage} props={{ id: route.id, me }} />; break;
    case 'poll-new': page = <Lazy key={'pn' + route.id} load={PollForm} props={{ orgId: route.id, me }} />; break;
    case 'compliance': page = <Lazy key={'cp' + route.id} load={MeetingsMod} props={{ id: route.id, me }} />; tab = 'org'; break;
    case 'meeting': page = <Lazy key={'mt' + route.id} load={MeetingPage} props={{ id: route.id, me }} />; break;
    case 'meeting-new': page = <Lazy key={'mn' + route.id} load={MeetingNew} props={{ orgId: route.id, me }} />; tab = 'org'; break;
    case 'meetings': page = <Lazy key="mm" load={MyMeetings} props={{ me }} />; break;
    case 'threads': page = <Lazy key="th" load={ChannelMod} props={{ me }} />; break;
    case 'thread-new': page = <Lazy key="thn" load={WriteThread} props={{ me }} />; break;
    case 'thread': page = <Lazy key={'th' + route.id} load={ThreadView} props={{ id: route.id, me }} />; break;
    case 'inbox': page = <Lazy key={'ib' + route.id} load={InboxPage} props={{ id: route.id, me }} />; break;
    case 'thread-send': page = <Lazy key={'ts' + route.id} load={SendThread} props={{ id: route.id, me }} />; break;
    case 'posts': page = <Lazy key="ps" load={PostsMod} props={{ me }} />; break;
    case 'post': page = <Lazy key={'po' + route.id} load={PostView} props={{ id: route.id, me }} />; break;
    case 'post-new': page = <Lazy key={'pn' + route.id} load={PostNew} props={{ kind: route.id, me }} />; break;
    case 'reviews': page = <Lazy key={'rv' + route.id} load={ReviewsPage} props={{ id: route.id, me }} />; break;
    case 'wordlist': page = <Lazy key="wl" load={WordListPage} props={{ me }} />; break;
    case 'search': page = <Lazy key="se" load={SearchPage} props={{ me }} />; break;
    case 'notice': page = <Lazy key={'nv' + route.id} load={NoticeView} props={{ id: route.id, me }} />; break;
    case 'notice-new': page = <Lazy key={'nn' + route.id} load={NoticeNew} props={{ orgId: route.id, me }} />; break;
    case 'notice-report': page = <Lazy key={'nr' + route.id + route.sub} load={NoticeReport} props={{ id: route.id, orgId: route.sub, me }} />; break;
    case 'notices': page = <Lazy key={'nl' + route.id} load={NoticeList} props={{ orgId: route.id, me }} />; break;
    case 'account': page = <Account me={me} prefs={prefs} onLogout={signedOut} />; tab = 'me'; break;
    case 'totp': page = <Lazy key={'tf' + route.id} load={TotpPage} props={{ me, mode: route.id || 'enrol', onMe: refreshMe, onLogout: signedOut }} />; tab = 'me'; break;
    default: page = <Home me={me} />;
  }
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
