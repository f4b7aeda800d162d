// 支部动态 and 经验交流, in their own chunk: the feed with corrections of posts the user
// had seen (#/posts), one post with comments and the report button (#/post/ID), writing
// a post (#/post-new), and the review queue with approve / reject / clarify / false
// (#/reviews/ORG).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { onLive } from '../live.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, addStrings } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, go, orgsWhere } from '../ui.jsx';
import { enc, Tabs } from '../work.jsx';
import { fmtTime } from '../time.js';
import { PhotoGrid, PhotoPicker } from '../files.jsx';

addStrings({
  psTitle: '支部动态',
  psNews: '支部动态',
  psExp: '经验交流',
  psNew: '发布',
  psEmpty: '暂无内容',
  psPending: '待审核',
  psRejected: '未通过',
  psFalse: '经核实为不实信息',
  psClarify: '官方澄清',
  psCorrTitle: '您看过的信息有更正',
  psCorrOk: '知道了',
  psComments: '评论',
  psCommentPh: '写评论…',
  psSend: '发表',
  psReport: '举报',
  psReportReason: '举报原因',
  psReported: '已举报，审核人员会处理',
  psTitleF: '标题',
  psTextF: '内容',
  psTags: '标签（用逗号分隔）',
  psKind: '类型',
  psVis: '谁能看到',
  'vis.branch': '本支部',
  'vis.siblings': '同一乡镇的支部',
  'vis.county': '全县',
  psPublished: '已发布',
  psWaits: '已提交，审核通过后大家可以看到',
  psNeed: '请填写标题和内容',
  rvTitle: '信息审核',
  rvEmpty: '没有待审核的信息',
  rvApprove: '通过',
  rvReject: '驳回',
  rvClarify: '澄清',
  rvFalse: '不实',
  rvReason: '原因',
  rvText: '说明（将发送给看过此信息的人）',
  rvConfirm: '确定',
  rvReports: '{n} 人举报',
  rvFlagged: '命中敏感词：{w}',
  'rr.new_author': '新用户首次发布',
  'rr.word_list': '含敏感词',
  rvDone: '已处理',
  wlTitle: '敏感词表',
  wlHint: '含有这些词的信息会先进入审核，不会被删除',
  wlAdd: '添加',
  wlDel: '删除',
  wlEmpty: '词表为空',
}, {
  psTitle: 'Branch news',
  psNews: 'News',
  psExp: 'Experience',
  psNew: 'Post',
  psEmpty: 'Nothing yet',
  psPending: 'Under review',
  psRejected: 'Rejected',
  psFalse: 'Found to be false',
  psClarify: 'Official clarification',
  psCorrTitle: 'A post you saw was corrected',
  psCorrOk: 'Got it',
  psComments: 'Comments',
  psCommentPh: 'Write a comment…',
  psSend: 'Send',
  psReport: 'Report',
  psReportReason: 'Reason',
  psReported: 'Reported; reviewers will look at it',
  psTitleF: 'Title',
  psTextF: 'Text',
  psTags: 'Tags (comma-separated)',
  psKind: 'Kind',
  psVis: 'Who sees it',
  'vis.branch': 'This branch',
  'vis.siblings': 'Branches of the township',
  'vis.county': 'The whole county',
  psPublished: 'Published',
  psWaits: 'Submitted; others see it once reviewed',
  psNeed: 'Title and text are required',
  rvTitle: 'Review',
  rvEmpty: 'Nothing to review',
  rvApprove: 'Approve',
  rvReject: 'Reject',
  rvClarify: 'Clarify',
  rvFalse: 'False',
  rvReason: 'Reason',
  rvText: 'Text (sent to everyone who saw the post)',
  rvConfirm: 'Confirm',
  rvReports: '{n} reports',
  rvFlagged: 'Word list: {w}',
  'rr.new_author': 'First post of a new author',
  'rr.word_list': 'Word list',
  rvDone: 'Done',
  wlTitle: 'Word list',
  wlHint: 'Posts with these words wait for review; nothing is deleted',
  wlAdd: 'Add',
  wlDel: 'Delete',
  wlEmpty: 'The list is empty',
});

function Marks({ p }) {
  return (
    <>
      {p.isFalse && (
        <div class="false-box" role="note">
          <strong>{t('psFalse')}</strong>
          <p>{p.correction}</p>
        </div>
      )}
      {p.clarification && (
        <div class="clarify-box" role="note">
          <strong>{t('psClarify')}</strong>
          <p>{p.clarification}</p>
        </div>
      )}
    </>
  );
}

function Tags({ p }) {
  return (
    <p class="facts">
      {p.state === 'pending' && <span class="tag state-pending">{t('psPending')}</span>}
      {p.state === 'rejected' && <span class="tag state-rejected">{t('psRejected')}</span>}
      {p.kind === 'experience' && <span class="tag">{t('vis.' + p.visibility)}</span>}
      {(p.tags || []).map((g) => <span key={g} class="tag warn">#{g}</span>)}
    </p>
  );
}

function Card({ p }) {
  return (
    <li class="card post">
      <a class="post-link" href={'#/post/' + p.id}>
        <strong class="post-title">{p.title}</strong>
        <span class="muted">{p.authorName} · {p.orgName} · <span class="ptime">{fmtTime(p.createdAt)}</span></span>
      </a>
      <Tags p={p} />
      <p class="post-text clamp">{p.text}</p>
      <PhotoGrid files={p.photoFiles} base={'/posts/' + p.id + '/files/'} />
      <Marks p={p} />
      <a class="muted" href={'#/post/' + p.id}>{t('psComments')} {p.comments}</a>
    </li>
  );
}

// The corrections of posts the user had seen, unread first, each with 知道了.
function Corrections() {
  const st = useGet('/me/corrections?limit=20');
  // A correction of a post the user saw arrives live.
  useEffect(() => onLive((ev) => { if ((ev.type === 'post' && ev.data && ev.data.correction) || ev.type === 'reset') st.reload(); }), []);
  const [gone, setGone] = useState({});
  const items = ((st.data && st.data.items) || []).filter((c) => !c.read && !gone[c.id]);
  if (!items.length) return null;
  return (
    <section class="card corrections" aria-label={t('psCorrTitle')}>
      <h2>{t('psCorrTitle')}</h2>
      <ul class="list">
        {items.map((c) => (
          <li key={c.id} class="corr">
            <a href={'#/post/' + c.postId}><strong>{c.postTitle}</strong></a>
            <p><span class={'tag ' + (c.kind === 'false' ? 'state-rejected' : '')}>{c.kind === 'false' ? t('psFalse') : t('psClarify')}</span></p>
            <p>{c.text}</p>
            <button type="button" class="btn secondary" onClick={async () => {
              await api('/me/corrections/' + c.id + '/read', { method: 'POST', body: {} }).catch(() => {});
              setGone({ ...gone, [c.id]: true });
            }}>{t('psCorrOk')}</button>
          </li>
        ))}
      </ul>
    </section>
  );
}

// #/posts: news and experience tabs.
export default function Feed() {
  const [kind, setKind] = useState('news');
  const list = usePaged('/posts', { kind }, 20);
  return (
    <div>
      <TopBar title={t('psTitle')} back="#/home" />
      <Corrections />
      <a class="btn primary wide gap" href={'#/post-new/' + kind}>{t('psNew')}</a>
      <Tabs value={kind} onChange={setKind} items={[['news', t('psNews')], ['experience', t('psExp')]]} />
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('psEmpty')}</p>}
      <ul class="list posts">{list.items.map((p) => <Card key={p.id} p={p} />)}</ul>
      <More list={list} />
    </div>
  );
}

// #/post/ID: the post, comments, report.
export function PostView({ id }) {
  const st = useGet('/posts/' + enc(id));
  const [data, setData] = useState(null);
  const [text, setText] = useState('');
  const [reporting, setReporting] = useState(false);
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const err = w.errorText;
  const p = data || st.data;
  const run = (fn) => w.run(fn);
  if (st.error) return <div><TopBar title={t('psTitle')} back="#/posts" /><ErrorBox error={st.error} onRetry={st.reload} /></div>;
  if (!p) return <div><TopBar title={t('psTitle')} back="#/posts" /><Loading /></div>;
  return (
    <div>
      <TopBar title={p.title} back="#/posts" />
      <article class="card post">
        <p class="muted">{p.authorName} · {p.orgName} · <span class="ptime">{fmtTime(p.createdAt)}</span></p>
        <Tags p={p} />
        <p class="post-text">{p.text}</p>
        <PhotoGrid files={p.photoFiles} base={'/posts/' + p.id + '/files/'} />
        {(p.photos || []).length > 0 && <p class="muted">{p.photos.join(' · ')}</p>}
        {p.rejectReason && <p class="error-text">{p.rejectReason}</p>}
        <Marks p={p} />
      </article>
      {p.state === 'published' && (
        <section class="card">
          <h2>{t('psComments')}</h2>
          <ul class="list">
            {(p.commentList || []).map((c) => (
              <li key={c.id} class="comment"><p class="muted">{c.authorName} · <span class="ptime">{fmtTime(c.createdAt)}</span></p><p>{c.text}</p></li>
            ))}
          </ul>
          <form class="form" onSubmit={(e) => {
            e.preventDefault();
            if (text.trim()) run(async () => { setData(await api('/posts/' + enc(id) + '/comments', { method: 'POST', body: { text } })); setText(''); });
          }}>
            <textarea aria-label={t('psComments')} rows="2" maxLength={500} placeholder={t('psCommentPh')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
            <button type="submit" class="btn primary" disabled={busy || !text.trim()}>{t('psSend')}</button>
          </form>
          {!p.mine && !msg && (reporting ? (
            <form class="form" onSubmit={(e) => {
              e.preventDefault();
              if (reason.trim()) run(async () => { await api('/posts/' + enc(id) + '/reports', { method: 'POST', body: { reason } }); setMsg(t('psReported')); setReporting(false); });
            }}>
              <label for="rp-reason">{t('psReportReason')}</label>
              <textarea id="rp-reason" rows="2" maxLength={200} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
              <button type="submit" class="btn danger" disabled={busy || !reason.trim()}>{t('psReport')}</button>
            </form>
          ) : (
            <button type="button" class="btn link report" onClick={() => setReporting(true)}>{t('psReport')}</button>
          ))}
          {msg && <p class="ok-text" role="status">{msg}</p>}
          {err && <p class="error-text" role="alert">{err}</p>}
        </section>
      )}
    </div>
  );
}

// #/post-new/KIND: news to the user's branch; experience from a branch they lead.
export function PostNew({ kind: k0, me }) {
  const leads = orgsWhere('channel.answer'); // experience: channel.answer on the organisation
  const [kind, setKind] = useState(k0 === 'experience' && leads.length ? 'experience' : 'news');
  const orgs = kind === 'news' ? [me.home, ...leads.map((r) => ({ id: r.orgId, name: r.orgName }))].filter(Boolean) : leads.map((r) => ({ id: r.orgId, name: r.orgName }));
  const [org, setOrg] = useState('');
  const [vis, setVis] = useState('siblings');
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [tags, setTags] = useState('');
  const [photos, setPhotos] = useState([]); // uploaded: [{id, name, preview}]
  const w = useWrite({ fields: false });
  const { busy } = w;
  const err = w.errorText;
  const [done, setDone] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    if (!title.trim() || !text.trim()) { w.fail(t('psNeed')); return; }
    const orgId = Number(org || (orgs[0] && orgs[0].id));
    const body = { orgId, kind, title: title.trim(), text };
    if (kind === 'experience') body.visibility = vis;
    if (tags.trim()) body.tags = tags.trim();
    if (photos.length) body.photoIds = photos.map((x) => x.id);
    const d = await w.run(() => api('/posts', { method: 'POST', body }));
    if (!d) return;
    if (d.state === 'published') go('post/' + d.id);
    else setDone(d);
  };
  if (done) {
    return <div><TopBar title={t('psNew')} back="#/posts" /><p class="ok-text card" role="status">{t('psWaits')}</p></div>;
  }
  return (
    <div>
      <TopBar title={t('psNew')} back="#/posts" />
      <form class="form card" onSubmit={send}>
        {leads.length > 0 && (
          <>
            <label for="pn-kind">{t('psKind')}</label>
            <select id="pn-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              <option value="news">{t('psNews')}</option>
              <option value="experience">{t('psExp')}</option>
            </select>
          </>
        )}
        {orgs.length > 1 && (
          <select aria-label="org" value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
            {orgs.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        )}
        {kind === 'experience' && (
          <>
            <label for="pn-vis">{t('psVis')}</label>
            <select id="pn-vis" value={vis} onChange={(e) => setVis(e.currentTarget.value)}>
              <option value="siblings">{t('vis.siblings')}</option>
              <option value="county">{t('vis.county')}</option>
            </select>
          </>
        )}
        <label for="pn-title">{t('psTitleF')}</label>
        <input id="pn-title" type="text" maxLength={60} value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        <label for="pn-text">{t('psTextF')}</label>
        <textarea id="pn-text" rows="6" maxLength={2000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <label for="pn-tags">{t('psTags')}</label>
        <input id="pn-tags" type="text" maxLength={100} value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
        <PhotoPicker orgId={Number(org || (orgs[0] && orgs[0].id))} value={photos} onChange={setPhotos} />
        {err && <p class="error-text" role="alert">{err}</p>}
        <button type="submit" class="btn primary wide" disabled={busy}>{t('psNew')}</button>
      </form>
    </div>
  );
}

// #/reviews/ORG: the review queue.
export function Reviews({ id }) {
  const list = usePaged('/reviews', { orgId: id }, 30);
  const [done, setDone] = useState({});
  return (
    <div>
      <TopBar title={t('rvTitle')} back="#/home" />
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted center">{t('rvEmpty')}</p>}
      <ul class="list">
        {list.items.map((p) => <ReviewItem key={p.id} p={p} done={done[p.id]} onDone={() => setDone({ ...done, [p.id]: true })} />)}
      </ul>
      <More list={list} />
    </div>
  );
}

function ReviewItem({ p, done, onDone }) {
  const [mode, setMode] = useState(''); // reject | clarify | false
  const [val, setVal] = useState('');
  const w = useWrite({ fields: false });
  const { busy } = w;
  const err = w.errorText;
  const decide = async (decision) => {
    const body = { decision };
    if (decision === 'reject') body.reason = val.trim();
    if (decision === 'clarify' || decision === 'false') body.text = val.trim();
    if (decision !== 'approve' && !val.trim()) return;
    if (await w.run(() => api('/posts/' + enc(p.id) + '/review', { method: 'POST', body }).then(() => true))) onDone();
  };
  return (
    <li class="card review-item">
      <a href={'#/post/' + p.id}><strong class="post-title">{p.title}</strong></a>
      <p class="muted">{p.authorName} · {p.orgName} · <span class="ptime">{fmtTime(p.createdAt)}</span></p>
      <p class="facts">
        {p.state === 'pending' && <span class="tag state-pending">{t('psPending')}</span>}
        {p.reviewReason && p.state === 'pending' && <span class="tag warn">{t('rr.' + p.reviewReason)}</span>}
        {p.openReports > 0 && <span class="tag state-rejected">{t('rvReports', { n: p.openReports })}</span>}
      </p>
      {(p.flaggedWords || []).length > 0 && <p class="warn-text">{t('rvFlagged', { w: p.flaggedWords.join('、') })}</p>}
      <p class="post-text">{p.text}</p>
      {(p.reports || []).map((r, i) => <p key={i} class="muted">· {r.reason}</p>)}
      {done ? <p class="ok-text" role="status">{t('rvDone')}</p> : (
        <>
          {mode && (
            <div class="field">
              <label for={'rv-' + p.id}>{mode === 'reject' ? t('rvReason') : t('rvText')}</label>
              <textarea id={'rv-' + p.id} rows="3" value={val} onInput={(e) => setVal(e.currentTarget.value)} />
            </div>
          )}
          {err && <p class="error-text" role="alert">{err}</p>}
          <div class="btn-row">
            {mode ? (
              <>
                <button type="button" class="btn secondary" disabled={busy} onClick={() => { setMode(''); setVal(''); }}>{t('cancel')}</button>
                <button type="button" class="btn primary" disabled={busy || !val.trim()} onClick={() => decide(mode)}>{t('rvConfirm')}</button>
              </>
            ) : (
              <>
                <button type="button" class="btn primary" disabled={busy} onClick={() => decide('approve')}>{t('rvApprove')}</button>
                <button type="button" class="btn secondary" disabled={busy} onClick={() => setMode('reject')}>{t('rvReject')}</button>
                {p.state === 'published' && (
                  <>
                    <button type="button" class="btn secondary" disabled={busy} onClick={() => setMode('clarify')}>{t('rvClarify')}</button>
                    <button type="button" class="btn danger" disabled={busy} onClick={() => setMode('false')}>{t('rvFalse')}</button>
                  </>
                )}
              </>
            )}
          </div>
        </>
      )}
    </li>
  );
}

// #/wordlist: the deployment's word list (safety officer, system admin).
export function WordList() {
  const st = useGet('/wordlist');
  const [word, setWord] = useState('');
  const wr = useWrite({ fields: false });
  const err = wr.errorText;
  const [items, setItems] = useState(null);
  const list = items || (st.data && st.data.items) || [];
  const add = async (e) => {
    e.preventDefault();
    if (!word.trim()) return;
    const w = await wr.run(() => api('/wordlist', { method: 'POST', body: { word: word.trim() } }));
    if (w) {
      setItems([...list, w]);
      setWord('');
    }
  };
  const del = async (w) => {
    if (await wr.run(() => api('/wordlist/' + enc(w.id), { method: 'DELETE' }).then(() => true))) {
      setItems(list.filter((x) => x.id !== w.id));
    }
  };
  return (
    <div>
      <TopBar title={t('wlTitle')} back="#/home" />
      <p class="muted sub">{t('wlHint')}</p>
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      <form class="form card search" onSubmit={add}>
        <input type="text" aria-label={t('wlTitle')} maxLength={20} value={word} onInput={(e) => setWord(e.currentTarget.value)} />
        <button type="submit" class="btn primary" disabled={!word.trim()}>{t('wlAdd')}</button>
      </form>
      {err && <p class="error-text" role="alert">{err}</p>}
      {st.data && !list.length && <p class="muted center">{t('wlEmpty')}</p>}
      <ul class="list card-list">
        {list.map((w) => (
          <li key={w.id} class="bigrow">
            <span class="grow"><strong>{w.word}</strong></span>
            <button type="button" class="btn secondary" onClick={() => del(w)}>{t('wlDel')}</button>
          </li>
        ))}
      </ul>
    </div>
  );
}
