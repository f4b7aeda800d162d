// 导入花名册 (#/import/ORG): 1 download the template, 2 choose the filled-in file,
// 3 check it (a dry run: the rows and every error as 行号 / 列 / 问题, nothing stored),
// 4 import for real. The file goes up as the raw body through XMLHttpRequest so that the
// upload of a big file shows its progress.
import { useState } from 'preact/hooks';
import { csrfToken } from '../api.js';
import { useGet } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, ErrorBox } from '../ui.jsx';
import { enc } from '../work.jsx';

const BASE = '/api/v1';

// POST the file; resolves {status, data, error}; progress(percent) while uploading.
function upload(orgId, file, dryRun, progress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BASE + '/imports?orgId=' + enc(orgId) + (dryRun ? '&dryRun=true' : ''));
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    const c = csrfToken();
    if (c) xhr.setRequestHeader('X-CSRF-Token', c);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(Math.round((e.loaded * 100) / e.total)); };
    xhr.onload = () => {
      let j = null;
      try { j = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      const er = (j && j.error) || null;
      resolve({
        status: xhr.status,
        data: j && j.data,
        error: er ? { status: xhr.status, code: er.code, message: er.message, report: er.report } : null,
      });
    };
    xhr.onerror = () => resolve({ status: 0, error: { code: 'network' } });
    xhr.send(file);
  });
}

export default function Import({ id }) {
  const org = useGet('/orgs/' + enc(id));
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(''); // '' | check | import
  const [pct, setPct] = useState(0);
  const [report, setReport] = useState(null); // the dry run's
  const [done, setDone] = useState(null); // the import's
  const [error, setError] = useState(null);
  const o = org.data;
  const rosterLink = o && o.level === 'branch' ? '#/roster/' + id : '#/org/' + id;

  const choose = (e) => {
    const f = e.currentTarget.files && e.currentTarget.files[0];
    setFile(f || null);
    setReport(null);
    setDone(null);
    setError(null);
  };
  const send = async (dry) => {
    setBusy(dry ? 'check' : 'import');
    setPct(0);
    setError(null);
    const r = await upload(id, file, dry, setPct);
    setBusy('');
    if (r.data && (r.status === 200 || r.status === 201)) {
      if (dry) setReport(r.data);
      else { setDone(r.data); setReport(null); }
    } else if (r.error && r.error.code === 'import.invalid' && r.error.report) {
      setReport(r.error.report);
    } else {
      setError(r.error || { status: r.status, code: 'http.' + r.status });
    }
  };
  const again = () => { setFile(null); setReport(null); setDone(null); setError(null); };
  const ok = report && report.errorCount === 0;

  return (
    <div>
      <TopBar title={t('importTitle')} back={'#/org/' + id} />
      {o && <p class="muted sub">{o.name}</p>}
      {org.error && <ErrorBox error={org.error} />}

      {done ? (
        <section class="card done" role="status">
          <h2 class="ok-text big">{t('imDone', { n: done.imported })}</h2>
          <a class="btn primary wide" href={rosterLink}>{t('imToRoster')}</a>
          <button type="button" class="btn secondary wide" onClick={again}>{t('imAgain')}</button>
        </section>
      ) : (
        <>
          <section class="card step">
            <h2>{t('imStep1')}</h2>
            <p class="muted">{t('imStep1Hint')}</p>
            <div class="btn-row">
              <a class="btn secondary" href={BASE + '/imports/template?format=xlsx'} download>{t('imXlsx')}</a>
              <a class="btn secondary" href={BASE + '/imports/template?format=csv'} download>{t('imCsv')}</a>
            </div>
          </section>

          <section class="card step">
            <h2>{t('imStep2')}</h2>
            <label class="btn secondary wide file" for="im-file">{t('imChoose')}</label>
            <input id="im-file" class="sr" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={choose} />
            {file && <p class="file-name">{t('imFile', { name: file.name, kb: Math.max(1, Math.round(file.size / 1024)) })}</p>}
          </section>

          <section class={'card step' + (file ? '' : ' off')}>
            <h2>{t('imStep3')}</h2>
            <button type="button" class="btn primary wide" disabled={!file || !!busy} onClick={() => send(true)}>
              {busy === 'check' ? (pct < 100 ? t('imUploading', { p: pct }) : t('imChecking')) : t('imCheck')}
            </button>
            {busy && <progress max="100" value={pct} />}
            {error && <ErrorBox error={error} />}
            {report && <Report r={report} />}
          </section>

          {ok && (
            <section class="card step">
              <h2>{t('imStep4')}</h2>
              <button type="button" class="btn primary wide" disabled={!!busy} onClick={() => send(false)}>
                {busy === 'import' ? (pct < 100 ? t('imUploading', { p: pct }) : t('imImporting')) : t('imDoImport', { n: report.rows })}
              </button>
            </section>
          )}
        </>
      )}
    </div>
  );
}

function Report({ r }) {
  const ok = r.errorCount === 0;
  return (
    <div class="report">
      <p>{t('imRows', { n: r.rows })}</p>
      {ok ? <p class="ok-text" role="status">{t('imOk', { n: r.rows })}</p>
        : <p class="error-text" role="alert">{t('imBad', { n: r.errorCount })}</p>}
      {r.ignoredColumns > 0 && <p class="muted">{t('imIgnored', { n: r.ignoredColumns })}</p>}
      {r.errors && r.errors.length > 0 && (
        <div class="table-wrap">
          <table class="nums errs">
            <thead><tr><th>{t('imColRow')}</th><th>{t('imColCol')}</th><th>{t('imColMsg')}</th></tr></thead>
            <tbody>
              {r.errors.map((e, i) => (
                <tr key={i}><td>{e.row}</td><td>{e.column || ''}</td><td class="msg">{msgText(e.message)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {r.errors && r.errorCount > r.errors.length && <p class="muted">{t('imErrMore', { n: r.errors.length })}</p>}
    </div>
  );
}

// The server's sentences about rows, in Chinese (member record checks go through i18n.js).
const ZH = [
  [/^the column (.+) is missing/, (m) => '缺少“' + m[1] + '”这一列（请下载模板对照）'],
  [/^the column appears twice/, () => '这一列出现了两次'],
  [/^importing into a township or county needs the column/, () => '导入到乡镇或县时，需要“所在党支部”这一列'],
  [/^not a date(?: \(e\.g\. (.+)\))?/, (m) => '日期格式不对' + (m[1] ? '，例如 ' + m[1] : '')],
  [/^a month, e\.g\. (.+)/, (m) => '请写月份，例如 ' + m[1]],
  [/^an amount in yuan, e\.g\. (.+)/, (m) => '请写金额（元），例如 ' + m[1]],
  [/^write 是 or 否/, () => '请填写“是”或“否”'],
  [/^a member with this ID number is already registered/, () => '这个身份证号已经在花名册里了'],
  [/^the same ID number is on an earlier row/, () => '这个身份证号在文件前面的行里已经出现过'],
  [/^the ID number is required/, () => '请填写身份证号'],
  [/^the branch is required/, () => '请填写所在党支部'],
  [/^the file names another branch/, () => '文件里写的是别的党支部'],
  [/^no party group of this name/, () => '本支部没有这个党小组'],
  [/^two branches have this name/, () => '有两个同名的党支部，请连乡镇一起写，如 东岭镇党委/下湾村党支部'],
  [/^no open branch of this name/, () => '找不到这个党支部'],
  [/^the file has a header but no members/, () => '文件只有表头，没有党员'],
  [/^the file is empty/, () => '文件是空的'],
];
function msgText(m) {
  if (!m || document.documentElement.lang === 'en') return m || '';
  const k = 'msg.' + m;
  if (t(k) !== k) return t(k);
  for (const [re, f] of ZH) {
    const x = m.match(re);
    if (x) return f(x);
  }
  return m;
}
