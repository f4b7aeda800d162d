import { useEffect, useState } from 'preact/hooks';
import { useGet, usePaged } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More } from '../ui.jsx';

export function Roster({ id }) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  // Search as the user types, after a short pause; the button searches at once.
  useEffect(() => {
    const h = setTimeout(() => setQ(text.trim()), 400);
    return () => clearTimeout(h);
  }, [text]);
  const org = useGet('/orgs/' + encodeURIComponent(id));
  const list = usePaged('/members', { orgId: id, q });
  const title = org.data ? org.data.name : t('roster');
  const denied = (list.error && list.error.status === 404) || (org.error && org.error.status === 404);

  return (
    <div>
      <TopBar title={title} back={org.data ? '#/org/' + org.data.id : null} />
      {denied ? <ErrorBox error={list.error || org.error} /> : (
        <>
          <form class="search" role="search" onSubmit={(e) => { e.preventDefault(); setQ(text.trim()); }}>
            <label for="q" class="sr">{t('searchName')}</label>
            <input id="q" type="search" placeholder={t('searchName')} value={text}
              onInput={(e) => setText(e.currentTarget.value)} />
            <button type="submit" class="btn primary">{t('search')}</button>
          </form>
          <h2 class="section-title">
            {t('roster')}
            {org.data && org.data.memberCount != null && !q ? ' · ' + t('membersN', { n: org.data.memberCount }) : ''}
          </h2>
          {list.error && !list.items.length && <ErrorBox error={list.error} onRetry={list.reload} />}
          {list.loading && !list.items.length && <Loading />}
          {!list.loading && !list.error && !list.items.length && <p class="muted center">{q ? t('noMatch') : t('empty')}</p>}
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
    m.gender === 'male' ? t('male') : m.gender === 'female' ? t('female') : '',
    m.age != null ? t('ageN', { n: m.age }) : '',
    m.occupation || '',
  ].filter(Boolean).join(' · ');
  return (
    <li class="member card">
      <div class="mhead">
        <strong class="mname">{m.name}</strong>
        <span class={'tag ' + (m.category === 'probationary' ? 'prob' : 'full')}>
          {m.category === 'probationary' ? t('probationary') : t('full')}
        </span>
        {m.migrant && <span class="tag migrant">{t('migrant')}</span>}
      </div>
      {facts && <p>{facts}</p>}
      {m.joinedAt && <p class="muted">{t('joined', { d: m.joinedAt })}</p>}
      {m.migrant && m.migrantPlace && <p class="muted">{t('migrant')} · {t('migrantAt', { p: m.migrantPlace })}</p>}
    </li>
  );
}
