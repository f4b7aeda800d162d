// 学习: what members choose to learn (#/learn: courses, lessons, quizzes; #/lesson/ID with
// the audio player that resumes; #/course/ID; #/quiz/ID practice, self-test or exam with
// big targets and read-aloud; #/quiz-print/ID the paper) and the content staff's screen
// (#/learn-org/ORG: import a bank, set an exam, enter paper answers, see the figures).
// One lazy chunk with its strings and styles. Nobody is ranked: a score is shown to the
// person who took the quiz only; figures are counts per branch and per lesson.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, csrfToken, qs } from '../api.js';
import { useGet, usePaged, useWrite } from '../hooks.js';
import { t, addStrings } from '../i18n.js';
import { TopBar, Loading, ErrorBox, More, Chevron, orgsWhere } from '../ui.jsx';
import { fmtTime } from '../time.js';
import { fmtSize } from '../files.jsx';
import { enqueueQuiz, flushQuizzes, keepCopy, quizQueued, quizResult, readCopy, subscribe, watch } from '../offline.js';
import './learn.css';

addStrings({
  learn: '学习', learnHint: '想学什么就学什么，短小好懂，能听能看',
  lrCourses: '课程', lrLessons: '单课', lrQuizzes: '练习和考试', lrResume: '接着学',
  lrAll: '全部', 'lk.article': '文章', 'lk.audio': '音频', 'lk.video': '视频', 'lk.story': '图文故事',
  'lv.intro': '入门', 'lv.basic': '基础', 'lv.advanced': '提高',
  'qm.practice': '练习', 'qm.selftest': '自测', 'qm.exam': '考试',
  lrStaff: '工作培训', lrDone: '已学完', lrFollow: '关注这门课', lrUnfollow: '不再关注', lrFollowed: '已关注',
  lrRecommended: '{org}推荐', lrLessonsN: '{done}/{n} 课', lrFinish: '我学完了', lrFinished: '已学完，真棒！',
  lrReadAloud: '朗读', lrStop: '停止朗读', lrAudioSoon: '音频文件上传后可在这里收听',
  lrListen: '收听（{size}）', lrWatch: '观看（{size}）', lrFrom: '从 {at} 接着听',
  lrOfflineCopy: '离线：显示的是上次打开时保存的内容',
  lrStart: '开始考试（限时 {m} 分钟）', lrDeadline: '请在 {time} 前交卷', lrSubmit: '交卷',
  lrSubmitPractice: '提交答案', lrQueued: '已保存在手机上，联网后自动提交（只计一次）',
  lrScore: '答对 {s} / {n} 题', lrScoreNotKept: '练习不记分，只给您自己看', lrOnlyWrong: '只看错题',
  lrRight: '答对了', lrWrong: '答错了', lrYours: '您的答案：{a}', lrAnswer: '正确答案：{a}', lrWhy: '解析：{e}',
  lrTrue: '对', lrFalse: '错', lrFill: '在这里填写答案', lrNone: '（未作答）',
  lrSubmitted: '已交卷', lrPrint: '打印试卷', lrName: '姓名', lrBranch: '支部', lrDate: '日期',
  lrAdmin: '学习管理', lrAdminOf: '{name} · 学习管理',
  lrImport: '导入题库', lrImportHint: 'Excel 或 CSV：第一行写 题型、题干、选项A、选项B…、答案、解析',
  lrBankTitle: '题库名称', lrChoose: '选择文件', lrImportDo: '导入', lrImported: '已导入 {n} 道题',
  lrImportBad: '有 {n} 行有错，一行都没有导入：', lrRow: '第 {row} 行 {col}：{msg}',
  lrSetExam: '布置考试', lrBank: '题库', lrTitle: '名称', lrMinutes: '限时（分钟）', lrMode: '类型', lrPublish: '发布',
  lrPublished: '已发布：', lrPaper: '录入纸质答卷', lrPaperQuiz: '考试', lrPaperMember: '党员', lrPaperSave: '保存答卷',
  lrPaperSaved: '已录入，计入该党员本人成绩（只计一次）',
  lrFigures: '学习统计', lrFiguresHint: '只看参与和完成的人数，不给个人排名',
  lrMembers: '党员', lrLearners: '参加学习', lrFinishers: '学完一课以上', lrOpened: '打开', lrAbandoned: '学到一半',
  lrBranchCol: '组织', lrLessonCol: '课',
  lrReview: '内容审核', lrReviewOn: '本组织以下发布的课、课程、题库和测验需要审核',
  'rt.lesson': '课', 'rt.course': '课程', 'rt.bank': '题库', 'rt.quiz': '测验', lrBankN: '{n} 道题', lrReviewBy: '上级组织已要求审核', lrReviewNone: '没有待审核的内容',
  lrApprove: '通过', lrReject: '退回', lrRejectWhy: '退回原因', lrWaiting: '待审核', lrRejected: '已退回：{why}',
}, {
  learn: 'Learning', learnHint: 'Learn what you choose: short lessons to read or listen to',
  lrCourses: 'Courses', lrLessons: 'Lessons', lrQuizzes: 'Practice and exams', lrResume: 'Continue',
  lrAll: 'All', 'lk.article': 'Article', 'lk.audio': 'Audio', 'lk.video': 'Video', 'lk.story': 'Picture story',
  'lv.intro': 'Intro', 'lv.basic': 'Basic', 'lv.advanced': 'Advanced',
  'qm.practice': 'Practice', 'qm.selftest': 'Self-test', 'qm.exam': 'Exam',
  lrStaff: 'Staff training', lrDone: 'Finished', lrFollow: 'Follow this course', lrUnfollow: 'Unfollow', lrFollowed: 'Following',
  lrRecommended: 'Recommended by {org}', lrLessonsN: '{done}/{n} lessons', lrFinish: 'I finished it', lrFinished: 'Finished, well done!',
  lrReadAloud: 'Read aloud', lrStop: 'Stop', lrAudioSoon: 'The recording plays here once it is uploaded',
  lrListen: 'Listen ({size})', lrWatch: 'Watch ({size})', lrFrom: 'Resumes at {at}',
  lrOfflineCopy: 'Offline: the copy saved when you last opened it',
  lrStart: 'Start the exam ({m} minutes)', lrDeadline: 'Hand in before {time}', lrSubmit: 'Hand in',
  lrSubmitPractice: 'Submit', lrQueued: 'Saved on this phone; sent when online (counted once)',
  lrScore: '{s} of {n} right', lrScoreNotKept: 'Practice keeps no score: this is for you only', lrOnlyWrong: 'Wrong answers only',
  lrRight: 'Right', lrWrong: 'Wrong', lrYours: 'Your answer: {a}', lrAnswer: 'Answer: {a}', lrWhy: 'Why: {e}',
  lrTrue: 'True', lrFalse: 'False', lrFill: 'Type your answer', lrNone: '(no answer)',
  lrSubmitted: 'Handed in', lrPrint: 'Print', lrName: 'Name', lrBranch: 'Branch', lrDate: 'Date',
  lrAdmin: 'Manage learning', lrAdminOf: '{name} · learning',
  lrImport: 'Import a question bank', lrImportHint: 'Excel or CSV: first row 题型, 题干, 选项A, 选项B…, 答案, 解析',
  lrBankTitle: 'Bank name', lrChoose: 'Choose a file', lrImportDo: 'Import', lrImported: '{n} questions imported',
  lrImportBad: '{n} rows have errors; nothing was imported:', lrRow: 'Row {row} {col}: {msg}',
  lrSetExam: 'Set a quiz or exam', lrBank: 'Bank', lrTitle: 'Title', lrMinutes: 'Time limit (minutes)', lrMode: 'Kind', lrPublish: 'Publish',
  lrPublished: 'Published: ', lrPaper: 'Enter paper answers', lrPaperQuiz: 'Exam', lrPaperMember: 'Member', lrPaperSave: 'Save the answers',
  lrPaperSaved: 'Entered as the member\'s own (counted once)',
  lrFigures: 'Figures', lrFiguresHint: 'Counts of who took part and finished; nobody is ranked',
  lrMembers: 'Members', lrLearners: 'Took part', lrFinishers: 'Finished a lesson', lrOpened: 'Opened', lrAbandoned: 'Left halfway',
  lrBranchCol: 'Organisation', lrLessonCol: 'Lesson',
  lrReview: 'Review', lrReviewOn: 'Lessons, courses, banks and quizzes published below this organisation are reviewed',
  'rt.lesson': 'Lesson', 'rt.course': 'Course', 'rt.bank': 'Question bank', 'rt.quiz': 'Quiz', lrBankN: '{n} questions', lrReviewBy: 'An organisation above asks for review', lrReviewNone: 'Nothing waits for review',
  lrApprove: 'Approve', lrReject: 'Send back', lrRejectWhy: 'Why it goes back', lrWaiting: 'Waiting for review', lrRejected: 'Sent back: {why}',
});

// Where a stored file plays from once the file store lands (files and media).
// A lesson's recording, read through the lesson: the media queue's low version (32 kbit/s
// audio, 240p video) once it is made, else the original; with the size it costs.
function lessonMedia(l) {
  const f = l.file;
  if (!f) return null;
  const low = (f.variants || []).find((v) => v.name === (l.kind === 'audio' ? 'audio' : 'video-240'));
  const url = '/api/v1/lessons/' + l.id + '/files/' + f.id;
  return low ? { src: url + '?variant=' + low.name, size: low.size } : { src: url, size: f.size };
}
const clock = (s) => Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');

// Read-aloud through the browser's speech synthesis, where it has one.
const canSpeak = () => typeof window !== 'undefined' && 'speechSynthesis' in window;
function speak(text, onEnd) {
  const u = new window.SpeechSynthesisUtterance(text);
  u.lang = 'zh-CN';
  u.rate = 0.9;
  u.onend = onEnd;
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(u);
}
function ReadAloud({ text }) {
  const [on, setOn] = useState(false);
  useEffect(() => () => { if (on) window.speechSynthesis.cancel(); }, [on]);
  if (!canSpeak()) return null;
  const toggle = () => {
    if (on) { window.speechSynthesis.cancel(); setOn(false); return; }
    setOn(true);
    speak(text, () => setOn(false));
  };
  return <button type="button" class="btn secondary lr-speak" aria-pressed={on} onClick={toggle}>🔊 {on ? t('lrStop') : t('lrReadAloud')}</button>;
}

// A GET kept on the phone: the last answer is shown when the network is away.
function useKept(path, kind, id) {
  const g = useGet(path);
  useEffect(() => { if (g.data) keepCopy(kind, id, g.data); }, [g.data]);
  const copy = g.error && g.error.code === 'network' ? readCopy(kind, id) : null;
  return { ...g, data: g.data || copy, copy: !!copy };
}

const Tags = ({ l }) => (
  <p class="lr-tags">
    <span class="tag">{t('lk.' + l.kind)}</span>
    <span class="tag">{l.length}</span>
    <span class="tag">{t('lv.' + l.level)}</span>
    {l.track === 'staff' && <span class="tag lr-staff">{t('lrStaff')}</span>}
    {(l.topics || []).map((x) => <span key={x} class="tag lr-topic">{x}</span>)}
  </p>
);

function LessonRow({ l }) {
  const done = l.progress && l.progress.finishedAt;
  return (
    <li>
      <a class="bigrow" href={'#/lesson/' + l.id} data-lesson={l.id}>
        <span class="grow"><strong>{l.title}</strong><Tags l={l} /></span>
        {done && <span class="tag lr-done">✓ {t('lrDone')}</span>}
        <Chevron />
      </a>
    </li>
  );
}

function Chips({ value, options, onChange, label }) {
  return (
    <div class="lr-chips" role="group" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={v} type="button" class={'lr-chip' + (value === v ? ' on' : '')} aria-pressed={value === v} onClick={() => onChange(v)}>{text}</button>
      ))}
    </div>
  );
}

// #/learn
export default function Learn() {
  const [tab, setTab] = useState('courses');
  const [kind, setKind] = useState('');
  const [level, setLevel] = useState('');
  const me = useGet('/me/learning');
  const admin = orgsWhere('learning.publish');
  const lessons = usePaged(tab === 'lessons' ? '/lessons' : null, { kind, level });
  const courses = usePaged(tab === 'courses' ? '/courses' : null, {});
  const quizzes = usePaged(tab === 'quizzes' ? '/quizzes' : null, {});
  useEffect(() => { watch(); }, []);
  const resume = (me.data && me.data.resume) || [];
  return (
    <main class="page learn">
      <TopBar title={t('learn')} back="#/home" />
      <p class="muted">{t('learnHint')}</p>
      {admin.map((r) => <a key={r.orgId} class="btn secondary wide action" href={'#/learn-org/' + r.orgId}>{t('lrAdminOf', { name: r.orgName })}</a>)}
      {resume.length > 0 && (
        <section class="card" aria-labelledby="lr-resume">
          <h2 id="lr-resume">{t('lrResume')}</h2>
          <ul class="list">{resume.slice(0, 3).map((l) => <LessonRow key={l.id} l={l} />)}</ul>
        </section>
      )}
      <Chips label={t('learn')} value={tab} onChange={setTab}
        options={[['courses', t('lrCourses')], ['lessons', t('lrLessons')], ['quizzes', t('lrQuizzes')]]} />
      {tab === 'lessons' && (
        <>
          <Chips label="kind" value={kind} onChange={setKind} options={[['', t('lrAll')], ...['article', 'audio', 'video', 'story'].map((k) => [k, t('lk.' + k)])]} />
          <Chips label="level" value={level} onChange={setLevel} options={[['', t('lrAll')], ...['intro', 'basic', 'advanced'].map((k) => [k, t('lv.' + k)])]} />
        </>
      )}
      <section class="card">
        {tab === 'lessons' && <List p={lessons} row={(l) => <LessonRow key={l.id} l={l} />} />}
        {tab === 'courses' && <List p={courses} row={(c) => (
          <li key={c.id}>
            <a class="bigrow" href={'#/course/' + c.id} data-course={c.id}>
              <span class="grow">
                <strong>{c.title}</strong>
                <span class="muted">{t('lrLessonsN', { done: c.finishedLessons, n: c.lessonCount })}{c.track === 'staff' ? ' · ' + t('lrStaff') : ''}</span>
                {c.recommendedBy.map((r) => <span key={r.orgId} class="lr-rec">{t('lrRecommended', { org: r.orgName })}</span>)}
              </span>
              {c.followed && <span class="tag">{t('lrFollowed')}</span>}
              <Chevron />
            </a>
          </li>
        )} />}
        {tab === 'quizzes' && <List p={quizzes} row={(q) => (
          <li key={q.id}>
            <a class="bigrow" href={'#/quiz/' + q.id} data-quiz={q.id}>
              <span class="grow"><strong>{q.title}</strong><span class="muted">{t('qm.' + q.mode)} · {q.questionCount} 题{q.mine && q.mine.submittedAt ? ' · ' + t('lrSubmitted') : ''}</span></span>
              <Chevron />
            </a>
          </li>
        )} />}
      </section>
    </main>
  );
}

function List({ p, row }) {
  if (p.error) return <ErrorBox error={p.error} onRetry={p.reload} />;
  if (p.loading && !p.items.length) return <Loading />;
  if (!p.items.length) return <p class="muted center">{t('empty')}</p>;
  return <><ul class="list">{p.items.map(row)}</ul><More list={p} /></>;
}

// A line of a lesson's text that is a screenshot of zhibu's own guide, served with the
// client (web/public/guide, taken by tests/e2e/guide.test.mjs): ![caption](/guide/NAME.png).
const SHOT = /^!\[([^\]]*)\]\((\/guide\/[\w-]+\.png)\)$/;
const spoken = (text) => text.split('\n').map((x) => { const m = SHOT.exec(x); return m ? m[1] : x; }).join('\n');
// The text with its screenshots as pictures (captioned), the rest as written.
function LessonText({ text }) {
  const out = [];
  let para = [];
  const flush = () => { if (para.length) out.push(<div key={out.length} class="lr-text">{para.join('\n')}</div>); para = []; };
  for (const line of text.split('\n')) {
    const m = SHOT.exec(line);
    if (!m) { para.push(line); continue; }
    flush();
    out.push(<figure key={out.length} class="lr-shot"><img src={m[2]} alt={m[1]} loading="lazy" width="360" /><figcaption>{m[1]}</figcaption></figure>);
  }
  flush();
  return <>{out}</>;
}

// #/lesson/ID: the text, the recording (resumes where it stopped), read-aloud, finished.
export function Lesson({ id }) {
  const g = useKept('/lessons/' + id, 'lesson', id);
  const [l, setL] = useState(null);
  const [play, setPlay] = useState(false); // nothing is fetched before the member presses play
  const audio = useRef(null);
  const saved = useRef(0);
  const w = useWrite({ fields: false });
  useEffect(() => { if (g.data) setL(g.data); }, [g.data]);
  const save = async (body) => {
    try { setL(await api('/lessons/' + id + '/progress', { method: 'POST', body })); } catch (e) { /* offline: kept next time */ }
  };
  const last = useRef(-1); // where the player is (the element is gone when the page unmounts)
  // leaving the lesson keeps the place
  useEffect(() => () => {
    if (last.current > 0 && last.current !== saved.current) save({ position: last.current });
  }, [id]);
  if (!l) return <main class="page"><TopBar title={t('learn')} back="#/learn" />{g.error && !g.copy ? <ErrorBox error={g.error} /> : <Loading />}</main>;
  // the player's place (0 once it is gone: events may come as it is removed)
  const here = () => (audio.current ? Math.floor(audio.current.currentTime) : 0);
  const onTime = () => {
    const s = here();
    if (!audio.current) return;
    last.current = s;
    if (Math.abs(s - saved.current) >= 15) { saved.current = s; save({ position: s }); }
  };
  const onMeta = () => {
    const at = l.progress && l.progress.position;
    if (at && audio.current) { saved.current = at; audio.current.currentTime = at; }
  };
  const onPause = () => { if (audio.current && here() > 0 && here() !== saved.current) { saved.current = here(); save({ position: saved.current }); } };
  const media = (l.kind === 'audio' || l.kind === 'video') && lessonMedia(l);
  const at = l.progress && l.progress.position;
  const Tag = l.kind === 'audio' ? 'audio' : 'video';
  const done = l.progress && l.progress.finishedAt;
  return (
    <main class="page learn lesson">
      <TopBar title={t('lk.' + l.kind)} back="#/learn" />
      {g.copy && <p class="notice">{t('lrOfflineCopy')}</p>}
      <h2 class="lr-title">{l.title}</h2>
      <Tags l={l} />
      {l.state === 'review' && <p class="notice">{t('lrWaiting')}</p>}
      {l.state === 'rejected' && <p class="error">{t('lrRejected', { why: l.reviewNote || '' })}</p>}
      {(l.kind === 'audio' || l.kind === 'video') && (media
        ? (play
          ? <Tag ref={audio} class="lr-media" controls autoplay playsinline preload="metadata" src={media.src} onLoadedMetadata={onMeta} onTimeUpdate={onTime} onPause={onPause} />
          : <div class="lr-play">
            <button type="button" class="btn primary wide big" data-play onClick={() => setPlay(true)}>
              {t(l.kind === 'audio' ? 'lrListen' : 'lrWatch', { size: fmtSize(media.size) })}
            </button>
            {at > 0 && !done && <p class="muted">{t('lrFrom', { at: clock(at) })}</p>}
          </div>)
        : <p class="muted">{t('lrAudioSoon')}</p>)}
      <ReadAloud text={l.title + '。' + spoken(l.text)} />
      <LessonText text={l.text} />
      {done ? <p class="lr-ok" role="status">✓ {t('lrFinished')}</p>
        : <button type="button" class="btn primary wide big" disabled={w.busy} onClick={() => w.run(() => save({ finished: true, ...(audio.current ? { position: here() } : {}) }))}>{t('lrFinish')}</button>}
    </main>
  );
}

// #/course/ID: its lessons in order; the member chooses to follow it.
export function Course({ id }) {
  const g = useKept('/courses/' + id, 'course', id);
  const [c, setC] = useState(null);
  const w = useWrite({ fields: false });
  useEffect(() => { if (g.data) setC(g.data); }, [g.data]);
  if (!c) return <main class="page"><TopBar title={t('lrCourses')} back="#/learn" />{g.error && !g.copy ? <ErrorBox error={g.error} /> : <Loading />}</main>;
  const follow = () => w.run(async () => setC(await api('/courses/' + id + '/follow', { method: c.followed ? 'DELETE' : 'POST' })));
  return (
    <main class="page learn">
      <TopBar title={t('lrCourses')} back="#/learn" />
      <h2 class="lr-title">{c.title}</h2>
      <p>{c.summary}</p>
      {c.recommendedBy.map((r) => <p key={r.orgId} class="lr-rec">{t('lrRecommended', { org: r.orgName })}{r.note ? '：' + r.note : ''}</p>)}
      <p class="muted">{t('lrLessonsN', { done: c.finishedLessons, n: c.lessonCount })}</p>
      <button type="button" class={'btn wide ' + (c.followed ? 'secondary' : 'primary')} disabled={w.busy} onClick={follow}>{c.followed ? t('lrUnfollow') : t('lrFollow')}</button>
      {w.error && <p class="error" role="alert">{w.errorText}</p>}
      <section class="card"><ul class="list">{c.lessons.map((l) => <LessonRow key={l.id} l={l} />)}</ul></section>
    </main>
  );
}

const letter = (i) => String.fromCharCode(65 + i);

// One question with big targets: options, 对/错, or a text box.
function Question({ q, n, value, onChange }) {
  const opts = q.type === 'truefalse' ? [['对', t('lrTrue')], ['错', t('lrFalse')]] : q.options.map((o, i) => [letter(i), letter(i) + '. ' + o]);
  const picked = (v) => (q.type === 'multiple' ? (value || '').includes(v) : value === v);
  const pick = (v) => {
    if (q.type !== 'multiple') return onChange(v);
    const set = new Set((value || '').split('').filter(Boolean));
    if (set.has(v)) set.delete(v); else set.add(v);
    onChange([...set].sort().join(''));
  };
  const spoken = n + '. ' + q.stem + (q.type === 'truefalse' ? '' : '。' + q.options.map((o, i) => letter(i) + '，' + o).join('；'));
  return (
    <fieldset class="card lr-q" data-question={q.id}>
      <legend class="lr-stem">{n}. {q.stem} <span class="muted">（{t('qt.' + q.type)}）</span></legend>
      <ReadAloud text={spoken} />
      {q.type === 'fill'
        ? <input class="lr-fill" type="text" aria-label={t('lrFill')} placeholder={t('lrFill')} value={value || ''} onInput={(e) => onChange(e.currentTarget.value)} />
        : <div class="lr-opts">{opts.map(([v, text]) => (
          <button key={v} type="button" class={'lr-opt' + (picked(v) ? ' on' : '')} aria-pressed={picked(v)} onClick={() => pick(v)}>{text}</button>
        ))}</div>}
    </fieldset>
  );
}
addStrings({ 'qt.single': '单选', 'qt.multiple': '多选', 'qt.truefalse': '判断', 'qt.fill': '填空' },
  { 'qt.single': 'one answer', 'qt.multiple': 'several answers', 'qt.truefalse': 'true or false', 'qt.fill': 'fill in' });

function Result({ r }) {
  const [wrong, setWrong] = useState(false);
  const items = r.items.filter((i) => !wrong || !i.correct);
  return (
    <section class="lr-result" aria-live="polite">
      <p class="lr-score">{t('lrScore', { s: r.score, n: r.total })}</p>
      {!r.scoreKept && <p class="muted">{t('lrScoreNotKept')}</p>}
      <label class="check big"><input type="checkbox" checked={wrong} onChange={(e) => setWrong(e.currentTarget.checked)} /> {t('lrOnlyWrong')}</label>
      {items.map((i, k) => (
        <div key={i.questionId} class={'card lr-item ' + (i.correct ? 'ok' : 'bad')} data-result={i.correct ? 'right' : 'wrong'}>
          <p class="lr-stem">{i.stem}</p>
          <p class="lr-verdict">{i.correct ? '✓ ' + t('lrRight') : '✗ ' + t('lrWrong')}</p>
          <p>{t('lrYours', { a: i.answer || t('lrNone') })}</p>
          {!i.correct && <p>{t('lrAnswer', { a: i.rightAnswer === 'true' ? t('lrTrue') : i.rightAnswer === 'false' ? t('lrFalse') : i.rightAnswer })}</p>}
          {i.explanation && <p class="lr-why">{t('lrWhy', { e: i.explanation })}</p>}
        </div>
      ))}
    </section>
  );
}

const newKey = () => 'q-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);

// #/quiz/ID: take it (an exam starts first; its time is the server's), submit, see why.
export function Quiz({ id }) {
  const g = useKept('/quizzes/' + id, 'quiz', id);
  const [quiz, setQuiz] = useState(null);
  const [answers, setAnswers] = useState({});
  const [result, setResult] = useState(null);
  const [queued, setQueued] = useState(null);
  const key = useRef(newKey());
  const w = useWrite({ fields: false });
  useEffect(() => { if (g.data) setQuiz(g.data); }, [g.data]);
  useEffect(() => {
    watch();
    return subscribe(() => {
      if (queued && !quizQueued(queued)) {
        const r = quizResult(queued);
        if (r && !r.error) { setResult(r); setQueued(null); }
      }
    });
  }, [queued]);
  useEffect(() => { if (queued) flushQuizzes(); }, [queued]);
  if (!quiz) return <main class="page"><TopBar title={t('learn')} back="#/learn" />{g.error && !g.copy ? <ErrorBox error={g.error} /> : <Loading />}</main>;
  const exam = quiz.mode === 'exam';
  const start = () => w.run(async () => setQuiz(await api('/quizzes/' + id + '/start', { method: 'POST' })));
  const submit = () => w.run(async () => {
    const body = { answers: quiz.questions.map((q) => ({ questionId: q.id, answer: answers[q.id] || '' })) };
    if (!exam) body.key = key.current;
    const offline = () => { enqueueQuiz(quiz.id, { ...body, offline: true }); setQueued(body.key); };
    if (!exam && navigator.onLine === false) return offline();
    try {
      setResult(await api('/quizzes/' + id + '/submit', { method: 'POST', body }));
    } catch (e) {
      if (e.code === 'network' && !exam) return offline();
      throw e;
    }
    return null;
  });
  return (
    <main class="page learn quiz">
      <TopBar title={t('qm.' + quiz.mode)} back="#/learn" />
      {g.copy && <p class="notice">{t('lrOfflineCopy')}</p>}
      <h2 class="lr-title">{quiz.title}</h2>
      {quiz.canManage && <a class="btn secondary wide" href={'#/quiz-print/' + quiz.id}>{t('lrPrint')}</a>}
      {result ? <Result r={result} /> : (
        <>
          {exam && quiz.mine && quiz.mine.submittedAt && <p class="lr-ok">✓ {t('lrSubmitted')}</p>}
          {exam && !quiz.mine && <button type="button" class="btn primary wide big" disabled={w.busy} onClick={start}>{t('lrStart', { m: quiz.timeLimitMinutes })}</button>}
          {exam && quiz.mine && !quiz.mine.submittedAt && <p class="lr-deadline" role="status">{t('lrDeadline', { time: fmtTime(quiz.mine.deadline) })}</p>}
          {quiz.questions && !(exam && (!quiz.mine || quiz.mine.submittedAt)) && (
            <>
              {quiz.questions.map((q, i) => <Question key={q.id} q={q} n={i + 1} value={answers[q.id]} onChange={(v) => setAnswers({ ...answers, [q.id]: v })} />)}
              {queued ? <p class="lr-queued" role="status">{t('lrQueued')}</p>
                : <button type="button" class="btn primary wide big" disabled={w.busy} onClick={submit}>{exam ? t('lrSubmit') : t('lrSubmitPractice')}</button>}
            </>
          )}
        </>
      )}
      {w.error && <p class="error" role="alert">{w.errorText}</p>}
    </main>
  );
}

// #/quiz-print/ID: the exam on paper (a print stylesheet), answered in the village hall.
export function QuizPrint({ id }) {
  const g = useGet('/quizzes/' + id);
  if (!g.data) return <main class="page">{g.error ? <ErrorBox error={g.error} /> : <Loading />}</main>;
  const q = g.data;
  return (
    <main class="page lr-paper">
      <div class="no-print"><TopBar title={t('lrPrint')} back={'#/quiz/' + id} />
        <button type="button" class="btn primary wide" onClick={() => window.print()}>{t('lrPrint')}</button></div>
      <h1 class="lr-paper-title">{q.title}</h1>
      <p class="lr-paper-who">{t('lrName')}：＿＿＿＿＿＿　{t('lrBranch')}：＿＿＿＿＿＿＿＿　{t('lrDate')}：＿＿＿＿＿＿</p>
      {q.timeLimitMinutes ? <p>{t('lrMinutes')}：{q.timeLimitMinutes}</p> : null}
      <ol class="lr-paper-qs">
        {(q.questions || []).map((x) => (
          <li key={x.id}>
            <p>{x.stem}（{t('qt.' + x.type)}）{x.type === 'fill' || x.type === 'truefalse' ? '　答：＿＿＿＿＿＿' : ''}</p>
            {x.options.length > 0 && <p class="lr-paper-opts">{x.options.map((o, i) => <span key={i}>□ {letter(i)}. {o}　</span>)}</p>}
          </li>
        ))}
      </ol>
    </main>
  );
}

// POST a file as the raw body (the bank import).
async function uploadFile(path, file) {
  const headers = { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream' };
  const c = csrfToken();
  if (c) headers['X-CSRF-Token'] = c;
  const res = await fetch('/api/v1' + path, { method: 'POST', headers, body: file, credentials: 'same-origin' });
  const j = await res.json().catch(() => null);
  return { status: res.status, data: j && j.data, error: j && j.error };
}

// #/learn-org/ORG: the content staff's screen.
export function LearnOrg({ id }) {
  const org = useGet('/orgs/' + id);
  const [banks, setBanks] = useState(0); // a new bank: the exam form lists it
  const name = org.data ? org.data.name : '';
  return (
    <main class="page learn">
      <TopBar title={t('lrAdminOf', { name })} back="#/learn" />
      <Reviews orgId={id} />
      <ImportBank orgId={id} onBank={() => setBanks(banks + 1)} />
      <SetQuiz key={banks} orgId={id} />
      <PaperAnswers orgId={id} />
      <Figures orgId={id} />
    </main>
  );
}

// 内容审核: whether what is published below waits for review, and what waits: lessons,
// courses, question banks and quizzes, each decided by its own approve / reject.
const REVIEW_TYPES = [['lesson', '/lessons/', '#/lesson/'], ['course', '/courses/', '#/course/'],
  ['bank', '/question-banks/', null], ['quiz', '/quizzes/', null]];
function Reviews({ orgId }) {
  const setting = useGet('/learning/review' + qs({ orgId }));
  const lists = REVIEW_TYPES.map(([type]) => useGet('/learning/reviews' + qs({ orgId, type, limit: 50 })));
  const [why, setWhy] = useState({});
  const w = useWrite({ fields: false });
  const toggle = (e) => {
    const required = e.currentTarget.checked;
    w.run(async () => { await api('/learning/review', { method: 'POST', body: { orgId: Number(orgId), required } }); setting.reload(); });
  };
  const decide = (k, base, id, ok) => w.run(async () => {
    await api(base + id + (ok ? '/approve' : '/reject'), { method: 'POST', body: ok ? undefined : { reason: (why[k] || '').trim() } });
    lists.forEach((l) => l.reload());
  });
  const s = setting.data;
  const items = REVIEW_TYPES.flatMap(([type, base, link], i) =>
    ((lists[i].data && lists[i].data.items) || []).map((x) => ({ type, base, link, x, k: type + x.id })));
  return (
    <section class="card" aria-labelledby="lr-rev">
      <h2 id="lr-rev">{t('lrReview')}</h2>
      {s && <label class="check big"><input type="checkbox" checked={s.required && s.by === Number(orgId)} disabled={w.busy || (s.required && s.by !== Number(orgId))} onChange={toggle} /> {t('lrReviewOn')}</label>}
      {s && s.required && s.by !== Number(orgId) && <p class="muted">{t('lrReviewBy')}</p>}
      {!items.length && <p class="muted">{t('lrReviewNone')}</p>}
      {items.map(({ type, base, link, x, k }) => (
        <div key={k} class="lr-rev-item" data-review={type === 'lesson' ? x.id : undefined} data-review-item={k}>
          <span class="tag">{t('rt.' + type)}</span>{' '}
          {link ? <a href={link + x.id}><strong>{x.title}</strong></a> : <strong>{x.title}</strong>}{' '}
          <span class="muted">{x.org.name}{type === 'bank' ? ' · ' + t('lrBankN', { n: x.questions }) : ''}</span>
          <label class="sr" for={'lr-why-' + k}>{t('lrRejectWhy')}</label>
          <input id={'lr-why-' + k} type="text" placeholder={t('lrRejectWhy')} value={why[k] || ''} onInput={(e) => setWhy({ ...why, [k]: e.currentTarget.value })} />
          <div class="lr-rev-do">
            <button type="button" class="btn primary" disabled={w.busy} onClick={() => decide(k, base, x.id, true)}>{t('lrApprove')}</button>
            <button type="button" class="btn secondary" disabled={w.busy || !(why[k] || '').trim()} onClick={() => decide(k, base, x.id, false)}>{t('lrReject')}</button>
          </div>
        </div>
      ))}
      {w.error && <p class="error" role="alert">{w.errorText}</p>}
    </section>
  );
}

function ImportBank({ orgId, onBank }) {
  const [title, setTitle] = useState('');
  const [file, setFile] = useState(null);
  const [out, setOut] = useState(null);
  const w = useWrite({ fields: false });
  const go_ = () => w.run(async () => {
    if (!title.trim() || !file) return w.fail(t('lrImportHint'));
    // the bank is made with its questions, all or nothing: a refused file leaves no bank
    const r = await uploadFile('/question-banks/import' + qs({ orgId: Number(orgId), title: title.trim() }), file);
    setOut(r.error ? { bad: r.error.report || { errors: [{ row: 0, column: '', message: r.error.message }] } } : { ok: r.data });
    if (!r.error) onBank();
    return null;
  });
  return (
    <section class="card form" aria-labelledby="lr-imp">
      <h2 id="lr-imp">{t('lrImport')}</h2>
      <p class="muted">{t('lrImportHint')}</p>
      <label for="lr-bank-title">{t('lrBankTitle')}</label>
      <input id="lr-bank-title" type="text" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      <label class="btn secondary wide file" for="lr-file">{file ? file.name : t('lrChoose')}</label>
      <input id="lr-file" class="sr" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(e) => setFile(e.currentTarget.files[0] || null)} />
      <button type="button" class="btn primary wide" disabled={w.busy} onClick={go_}>{t('lrImportDo')}</button>
      {w.error && <p class="error" role="alert">{w.errorText}</p>}
      {out && out.ok && <p class="lr-ok" role="status">{t('lrImported', { n: out.ok.imported })}</p>}
      {out && out.bad && (
        <div class="error" role="alert" data-import="refused">
          <p>{t('lrImportBad', { n: out.bad.errors.length })}</p>
          <ul>{out.bad.errors.map((e, i) => <li key={i}>{t('lrRow', { row: e.row, col: e.column || '', msg: e.message })}</li>)}</ul>
        </div>
      )}
    </section>
  );
}

function SetQuiz({ orgId }) {
  const banks = useGet('/question-banks' + qs({ orgId, limit: 100 }));
  const [f, setF] = useState({ bankId: '', mode: 'exam', title: '', minutes: '30' });
  const [made, setMade] = useState(null);
  const w = useWrite();
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const bankList = (banks.data && banks.data.items) || [];
  const publish = () => w.run(async () => {
    const body = { orgId: Number(orgId), bankId: Number(f.bankId || (bankList[0] && bankList[0].id)), mode: f.mode, title: f.title.trim() };
    if (f.mode === 'exam') body.timeLimitMinutes = Number(f.minutes);
    setMade(await api('/quizzes', { method: 'POST', body }));
  });
  return (
    <section class="card form" aria-labelledby="lr-set">
      <h2 id="lr-set">{t('lrSetExam')}</h2>
      <label for="lr-q-bank">{t('lrBank')}</label>
      <select id="lr-q-bank" value={f.bankId} onChange={set('bankId')}>
        {bankList.map((b) => <option key={b.id} value={b.id}>{b.title}（{b.questions}）</option>)}
      </select>
      <label for="lr-q-mode">{t('lrMode')}</label>
      <select id="lr-q-mode" value={f.mode} onChange={set('mode')}>
        {['exam', 'selftest', 'practice'].map((m) => <option key={m} value={m}>{t('qm.' + m)}</option>)}
      </select>
      <label for="lr-q-title">{t('lrTitle')}</label>
      <input id="lr-q-title" type="text" value={f.title} onInput={set('title')} />
      {f.mode === 'exam' && <><label for="lr-q-min">{t('lrMinutes')}</label>
        <input id="lr-q-min" type="number" inputMode="numeric" min="1" max="300" value={f.minutes} onInput={set('minutes')} /></>}
      <button type="button" class="btn primary wide" disabled={w.busy || !bankList.length} onClick={publish}>{t('lrPublish')}</button>
      {(w.error || w.ferr) && <p class="error" role="alert">{w.errorText || w.ferr.text}</p>}
      {made && <p class="lr-ok" role="status">{t('lrPublished')}<a href={'#/quiz/' + made.id}>{made.title}</a> · <a href={'#/quiz-print/' + made.id}>{t('lrPrint')}</a></p>}
    </section>
  );
}

function PaperAnswers({ orgId }) {
  const exams = useGet('/quizzes' + qs({ mode: 'exam', limit: 50 }));
  const members = useGet('/members' + qs({ orgId, limit: 200 }));
  const [quizId, setQuizId] = useState('');
  const [memberId, setMemberId] = useState('');
  const [answers, setAnswers] = useState({});
  const [saved, setSaved] = useState(false);
  const w = useWrite({ fields: false });
  const list = (exams.data && exams.data.items) || [];
  const qid = quizId || (list[0] && String(list[0].id)) || '';
  const quiz = useGet(qid ? '/quizzes/' + qid : null);
  const people = (members.data && members.data.items) || [];
  const save = () => w.run(async () => {
    await api('/quizzes/' + qid + '/paper', { method: 'POST', body: { memberId: Number(memberId || (people[0] && people[0].id)), answers: Object.entries(answers).map(([k, v]) => ({ questionId: Number(k), answer: v })) } });
    setSaved(true);
    setAnswers({});
  });
  if (!list.length) return null;
  return (
    <section class="card form" aria-labelledby="lr-paper">
      <h2 id="lr-paper">{t('lrPaper')}</h2>
      <label for="lr-p-quiz">{t('lrPaperQuiz')}</label>
      <select id="lr-p-quiz" value={qid} onChange={(e) => { setQuizId(e.currentTarget.value); setSaved(false); }}>
        {list.map((q) => <option key={q.id} value={q.id}>{q.title}</option>)}
      </select>
      <label for="lr-p-member">{t('lrPaperMember')}</label>
      <select id="lr-p-member" value={memberId || (people[0] ? String(people[0].id) : '')} onChange={(e) => { setMemberId(e.currentTarget.value); setSaved(false); }}>
        {people.map((m) => <option key={m.id} value={m.id}>{m.name}</option>)}
      </select>
      {quiz.data && (quiz.data.questions || []).map((q, i) => (
        <div key={q.id} class="lr-p-row">
          <label for={'lr-p-' + q.id}>{i + 1}. {q.stem}</label>
          <input id={'lr-p-' + q.id} type="text" value={answers[q.id] || ''} placeholder={q.type === 'truefalse' ? '对 / 错' : q.type === 'fill' ? '' : 'A'} onInput={(e) => setAnswers({ ...answers, [q.id]: e.currentTarget.value })} />
        </div>
      ))}
      <button type="button" class="btn primary wide" disabled={w.busy} onClick={save}>{t('lrPaperSave')}</button>
      {w.error && <p class="error" role="alert">{w.errorText}</p>}
      {saved && <p class="lr-ok" role="status">{t('lrPaperSaved')}</p>}
    </section>
  );
}

function Figures({ orgId }) {
  const f = useGet('/learning/figures' + qs({ orgId }));
  if (!f.data) return f.error ? <ErrorBox error={f.error} /> : <Loading />;
  return (
    <section class="card" aria-labelledby="lr-fig">
      <h2 id="lr-fig">{t('lrFigures')}</h2>
      <p class="muted">{t('lrFiguresHint')}</p>
      <table class="lr-table">
        <thead><tr><th>{t('lrBranchCol')}</th><th>{t('lrMembers')}</th><th>{t('lrLearners')}</th><th>{t('lrFinishers')}</th></tr></thead>
        <tbody>{f.data.branches.map((b) => <tr key={b.orgId}><td>{b.name}</td><td>{b.members}</td><td>{b.learners}</td><td>{b.finishers}</td></tr>)}</tbody>
      </table>
      <table class="lr-table">
        <thead><tr><th>{t('lrLessonCol')}</th><th>{t('lrOpened')}</th><th>{t('lrDone')}</th><th>{t('lrAbandoned')}</th></tr></thead>
        <tbody>{f.data.lessons.map((l) => <tr key={l.id}><td>{l.title}</td><td>{l.opened}</td><td>{l.finished}</td><td>{l.abandoned}</td></tr>)}</tbody>
      </table>
    </section>
  );
}

