// 搜索 (#/search), in its own chunk: full-text search over the messages, news and
// experience posts the user may see (Chinese words of any length, Latin words).
import { useState } from 'preact/hooks';
import { usePaged } from '../hooks.js';
import { t, addStrings } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron } from '../ui.jsx';
import { fmtTime } from '../time.js';

addStrings({
  seTitle: '搜索',
  sePh: '输入关键词，如：党建',
  seGo: '搜索',
  seNone: '没有找到相关内容',
  'sek.thread': '留言',
  'sek.news': '支部动态',
  'sek.experience': '经验交流',
  'sek.notice': '通知公告',
}, {
  seTitle: 'Search',
  sePh: 'Keywords, e.g. 党建',
  seGo: 'Search',
  seNone: 'Nothing found',
  'sek.thread': 'Message',
  'sek.news': 'News',
  'sek.experience': 'Experience',
  'sek.notice': 'Notice',
});

const href = (x) => (x.kind === 'thread' ? '#/thread/' + x.id : x.kind === 'notice' ? '#/notice/' + x.id : '#/post/' + x.id);

export default function Search() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const list = usePaged(query ? '/search' : '', { q: query }, 20);
  return (
    <div>
      <TopBar title={t('seTitle')} back="#/home" />
      <form class="form card search" role="search" onSubmit={(e) => { e.preventDefault(); setQuery(q.trim()); }}>
        <input type="search" aria-label={t('seTitle')} maxLength={100} placeholder={t('sePh')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit" class="btn primary" disabled={!q.trim()}>{t('seGo')}</button>
      </form>
      {query && list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
      {query && list.loading && !list.items.length && <Loading />}
      {query && !list.loading && !list.error && !list.items.length && <p class="muted center">{t('seNone')}</p>}
      <ul class="list rows card-list results">
        {query && list.items.map((x) => (
          <li key={x.kind + x.id}>
            <a class="bigrow" href={href(x)}>
              <span class="grow">
                <strong>{x.title}</strong>
                <span class="muted">{t('sek.' + x.kind)} · {x.orgName} · <span class="stime">{fmtTime(x.createdAt)}</span></span>
                <span class="excerpt">{x.excerpt}</span>
              </span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
      {query && <More list={list} />}
    </div>
  );
}
