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

// The server's sentence, in Chinese when i18n.js knows it (as form.jsx does for fields).
function msgText(m) {
  if (!m) return '';
  const k = 'msg.' + m;
  return t(k) === k || document.documentElement.lang === 'en' ? m : t(k);
}

