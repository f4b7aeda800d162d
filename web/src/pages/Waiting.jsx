// 等您处理: one list of what waits for this member, newest first (GET /me/waiting): an
// answer to their message, a correction of a post they saw, a new poll or activity, a
// notice to read or acknowledge, a meeting they are expected at, minutes to read. Each
// row opens the thing itself (with its deadline or start when it has one, else when it
// came); acting there removes it. Reloads on live events.
import { useEffect, useState } from 'preact/hooks';
import { useGet } from '../hooks.js';
import { addStrings, t } from '../i18n.js';
import { onLive } from '../live.js';
import { Chevron, ErrorBox } from '../ui.jsx';
import { fmtTime } from '../time.js';

addStrings({
  waiting: '等您处理', waitingNone: '没有等您处理的事。', waitingMore: '还有 {n} 项',
  'wk.notice.read': '新通知', 'wk.notice.ack': '请确认收到', 'wk.answer.answer': '支部回复了您的留言',
  'wk.answer.message': '支部给您发来消息', 'wk.correction.false': '您看过的消息经核实不实',
  'wk.correction.clarification': '您看过的消息有说明', 'wk.poll': '请投票', 'wk.activity': '新活动，可报名',
  'wk.meeting': '请参加会议', 'wk.meeting.online': '会议：可线上参加', 'wk.meeting.leave': '会议：您在外地，可请假', 'wk.minutes': '请补学会议记录', waitingUntil: '截止 {at}', waitingStarts: '{at} 开始',
}, {
  waiting: 'Waiting for you', waitingNone: 'Nothing waits for you.', waitingMore: '{n} more',
  'wk.notice.read': 'New notice', 'wk.notice.ack': 'Please confirm', 'wk.answer.answer': 'Your message was answered',
  'wk.answer.message': 'A message from the branch', 'wk.correction.false': 'Something you saw was found false',
  'wk.correction.clarification': 'Something you saw was clarified', 'wk.poll': 'Please vote', 'wk.activity': 'New activity: sign up',
  'wk.meeting': 'A meeting for you', 'wk.meeting.online': 'Meeting: join online', 'wk.meeting.leave': 'Meeting: you are away, ask for leave', 'wk.minutes': 'Read the minutes', waitingUntil: 'until {at}', waitingStarts: 'starts {at}',
});

const HREF = {
  notice: '#/notice/', answer: '#/thread/', correction: '#/post/', poll: '#/poll/',
  activity: '#/activity/', meeting: '#/meeting/', minutes: '#/meeting/',
};
const SHOWN = 8;

export default function Waiting() {
  const st = useGet('/me/waiting');
  const [all, setAll] = useState(false);
  useEffect(() => onLive(() => st.reload()), []); // eslint-disable-line react-hooks/exhaustive-deps
  const items = (st.data && st.data.items) || [];
  const shown = all ? items : items.slice(0, SHOWN);
  return (
    <section class="card waiting" aria-labelledby="waiting-h">
      <h2 id="waiting-h" class="mhead">
        <span class="grow">{t('waiting')}</span>
        {st.data && st.data.total > 0 && <span class="badge" aria-label={String(st.data.total)}>{st.data.total}</span>}
      </h2>
      {st.error && <ErrorBox error={st.error} onRetry={st.reload} />}
      {st.data && !items.length && <p class="muted">{t('waitingNone')}</p>}
      <ul class="list rows">
        {shown.map((x) => (
          <li key={x.kind + x.id} data-kind={x.kind} data-id={x.id}>
            <a class="bigrow" href={HREF[x.kind] + x.id}>
              <span class="grow">
                <span class={'tag wk wk-' + x.kind}>{t('wk.' + x.kind + (x.what ? '.' + x.what : ''))}</span>
                <strong>{x.title}</strong>
                <span class="muted">
                  {x.until ? t(x.kind === 'meeting' ? 'waitingStarts' : 'waitingUntil', { at: fmtTime(x.until) }) : fmtTime(x.at)}
                </span>
              </span>
              <Chevron />
            </a>
          </li>
        ))}
      </ul>
      {!all && items.length > SHOWN && (
        <button type="button" class="btn secondary wide" onClick={() => setAll(true)}>{t('waitingMore', { n: items.length - SHOWN })}</button>
      )}
    </section>
  );
}
