// The one way a member is chosen, everywhere (a notice's recipients, the members reviewed or
// the voters of a poll, a meeting's attendees, the member a leader writes to): find by name
// in the organisation's roster, tick (or, for one member, choose) from the list, see how
// many are chosen. Never an internal number to type.
import { useState } from 'preact/hooks';
import { usePaged } from './hooks.js';
import { addStrings, t } from './i18n.js';
import { ErrorBox, Loading, More } from './ui.jsx';

addStrings({
  pkFind: '按姓名查找', pkChosen: '已选 {n} 人', pkNone: '还没有选', pkOne: '已选：{name}', pkEmpty: '没有找到这个名字',
}, {
  pkFind: 'Find by name', pkChosen: '{n} chosen', pkNone: 'Nobody chosen yet', pkOne: 'Chosen: {name}', pkEmpty: 'No such name',
});

// value: the chosen member ids; onChange(ids). single: one member (radio buttons).
// name: data-picker (tests, styles); id: for scrolling to an error; error: its sentence.
// extra: members offered besides the roster's (the migrants a branch hosts), found by
// the same search.
export function MemberPicker({ orgId, value, onChange, legend, name, single = false, id, error, extra = [] }) {
  const [q, setQ] = useState('');
  const [names, setNames] = useState({}); // id -> name of those chosen, for the summary
  const list = usePaged(orgId ? '/members' : null, { orgId, q: q.trim() || undefined }, 100);
  const choose = (m, on) => {
    setNames((x) => ({ ...x, [m.id]: m.name }));
    if (single) onChange(on ? [m.id] : []);
    else onChange(on ? value.concat(m.id) : value.filter((x) => x !== m.id));
  };
  const summary = single
    ? (value.length ? t('pkOne', { name: names[value[0]] || '' }) : t('pkNone'))
    : t('pkChosen', { n: value.length });
  return (
    <fieldset class={'field member-picker' + (error ? ' bad' : '')} data-picker={name} id={id} tabIndex={-1}>
      <legend>{legend}（{summary}）</legend>
      <input type="search" aria-label={t('pkFind')} placeholder={t('pkFind')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      <ul class="list life-checks">
        {list.items.concat(extra.filter((m) => !list.items.some((x) => x.id === m.id) && (!q.trim() || m.name.includes(q.trim())))).map((m) => (
          <li key={m.id}>
            <label class="check big">
              <input type={single ? 'radio' : 'checkbox'} name={'pick-' + (name || 'm')} checked={value.includes(m.id)}
                onChange={(e) => choose(m, e.currentTarget.checked)} />
              {' '}{m.name}{m.orgName ? <span class="muted"> {m.orgName}</span> : null}
            </label>
          </li>
        ))}
        {!list.loading && !list.error && q.trim() && !list.items.length && <li class="muted">{t('pkEmpty')}</li>}
      </ul>
      {list.loading && <Loading />}
      <More list={list} />
      {error && <p class="field-error" role="alert">{error}</p>}
    </fieldset>
  );
}
