// The home feed (通知公告): what reaches the user, pinned first then newest, with unread
// marks, correction/retraction marks and a 确认收到 button; reloads on live events.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { usePaged, useWrite } from '../hooks.js';
import { t } from '../i18n.js';
import { onLive, refreshUnread, unreadNow } from '../live.js';
import { ErrorBox, Loading, More } from '../ui.jsx';
import { Tags, publishOrgs } from '../noticeStrings.jsx';
import { fmtTime } from '../time.js';

export default function Feed({ me }) {
  const list = usePaged('/feed', {}, 20);
  const [unread, setUnread] = useState(unreadNow());
  const reload = useRef(list.reload);
  reload.current = list.reload;
  useEffect(() => onLive((ev) => {
    if (ev.type === 'notice' || ev.type === 'reset') reload.current();
    if (ev.type === 'unread') setUnread(ev.unread);
  }), []);
  const orgs = publishOrgs();
  return (
    <section class="card" aria-labelledby="feed-h">
      <h2 id="feed-h" class="mhead">
        <span class="grow">{t('notices')}</span>
        {unread > 0 && <span class="badge" aria-label={t('unreadN', { n: unread })}>{unread}</span>}
      </h2>
      {orgs.length > 0 && (
        <div class="btn-row" style="margin: 0 0 0.6rem">
          <a class="btn primary" href={'#/notice-new/' + orgs[0].orgId}>{t('publish')}</a>
          <a class="btn secondary" href={'#/notices/' + orgs[0].orgId}>{t('published')}</a>
        </div>
      )}
      {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.loading && !list.items.length && <Loading />}
      {!list.loading && !list.error && !list.items.length && <p class="muted">{t('noticesEmpty')}</p>}
      <div class="feed">
        {list.items.map((n) => <Item key={n.id} n={n} onAck={list.reload} />)}
      </div>
      <More list={list} />
    </section>
  );
}

function Item({ n, onAck }) {
  const w = useWrite({ fields: false });
  const { busy } = w;
  const err = w.errorText;
  const ack = async () => {
    const ok = await w.run(() => api('/notices/' + n.id + '/ack', { method: 'POST', body: {} }).then(() => true));
    if (ok) {
      refreshUnread();
      onAck();
    }
  };
  const needAck = (n.ackRequired || n.kind === 'reminder') && !n.acked && n.state !== 'retracted';
  return (
    <div class={'feed-item' + (n.read ? '' : ' unread')} data-id={n.id}>
      <a class="feed-link" href={'#/notice/' + n.id}>
      <div class="ftitle">
        {!n.read && <span class="dot" aria-label={t('unread')} />} {n.title}
      </div>
      <div class="fmeta">
        <Tags n={n} />
        <span>{n.org && n.org.name}</span>
        <span class="ftime">{fmtTime(n.publishedAt)}</span>
        {!n.read && <span class="tag">{t('unread')}</span>}
        {n.ackRequired && n.acked && <span class="tag prob">{t('acked')}</span>}
        {n.overdue && <span class="tag urgent">{t('overdue')}</span>}
      </div>
      {n.excerpt && <p class="fexcerpt">{n.excerpt}</p>}
      </a>
      {needAck && (
        <button type="button" class="btn primary" disabled={busy} onClick={ack}>{t('ack')}</button>
      )}
      {err && <p class="error-text" role="alert">{err}</p>}
    </div>
  );
}
