// Create (#/member-new/BRANCH) and edit (#/member-edit/MEMBER) a member record.
// Every field of the standard record; the server checks the whole record and names the
// field at fault, which is shown under that field, focused, with what was typed kept.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useGet, useWrite } from '../hooks.js';
import { t } from '../i18n.js';
import { TopBar, Loading, ErrorBox } from '../ui.jsx';
import { Field, useFocusError } from '../form.jsx';
import { yuanFigure, fenOf } from '../money.js';
import {
  GENDERS, CATEGORIES, ADDED_HOWS, EDUCATIONS, OCCUPATIONS, ETHNICITIES, DUES_BASES, opts, plain,
} from '../vocab.js';

// Form state: strings and booleans; duesFen is typed in yuan.
const TEXT = ['name', 'gender', 'ethnicity', 'birthDate', 'idNumber', 'nativePlace', 'education', 'occupation',
  'phone', 'address', 'joinedAt', 'fullAt', 'category', 'addedHow', 'migrantPlace', 'migrantSince',
  'lostContactSince', 'duesBasis', 'groupId', 'duesFen'];
const BOOL = ['migrant', 'lostContact'];
const SEALED = ['idNumber', 'phone', 'address']; // masked in answers: sent only when typed

const BLANK = {
  name: '', gender: '', ethnicity: '汉族', birthDate: '', idNumber: '', nativePlace: '', education: '',
  occupation: '', phone: '', address: '', joinedAt: '', fullAt: '', category: 'full', addedHow: 'other',
  migrant: false, migrantPlace: '', migrantSince: '', lostContact: false, lostContactSince: '',
  duesBasis: '', duesFen: '', groupId: '',
};

function fromRecord(r) {
  const f = { ...BLANK };
  for (const k of TEXT) f[k] = r[k] == null ? '' : String(r[k]);
  for (const k of BOOL) f[k] = !!r[k];
  for (const k of SEALED) f[k] = '';
  f.duesFen = yuanFigure(r.duesFen);
  return f;
}

// A field's value as the API wants it ('' → null).
function toApi(k, val) {
  if (BOOL.includes(k)) return !!val;
  const s = String(val).trim();
  if (s === '') return null;
  if (k === 'groupId') return Number(s);
  if (k === 'duesFen') {
    const fen = fenOf(s);
    return Number.isNaN(fen) ? -1 : fen; // the server names the field
  }
  if (k === 'idNumber') return s.toUpperCase().replace(/\s+/g, '');
  if (k === 'phone') return s.replace(/\s+/g, '');
  return s;
}

export default function MemberForm({ orgId, memberId }) {
  const editing = !!memberId;
  const rec = useGet(editing ? '/members/' + encodeURIComponent(memberId) : null);
  const branchId = editing ? rec.data && rec.data.orgId : orgId;
  const org = useGet(!editing ? '/orgs/' + encodeURIComponent(orgId) : null);
  const groups = useGet(branchId ? '/orgs/' + encodeURIComponent(branchId) + '/children?limit=200' : null);
  const [f, setF] = useState(editing ? null : BLANK);
  const sub = useWrite();
  useFocusError(sub.ferr, 'f-');

  useEffect(() => { if (editing && rec.data && !f) setF(fromRecord(rec.data)); }, [rec.data]);

  const load = editing ? rec : org;
  const title = editing ? t('editMember') : t('newMember');
  const back = editing ? '#/member/' + memberId : '#/roster/' + orgId;
  if (load.loading || !f) {
    return <div><TopBar title={title} back={back} />{load.error ? <ErrorBox error={load.error} onRetry={load.reload} /> : <Loading />}</div>;
  }
  if (load.error) return <div><TopBar title={title} back={back} /><ErrorBox error={load.error} onRetry={load.reload} /></div>;

  const set = (k) => (val) => setF({ ...f, [k]: val });
  const groupOpts = ((groups.data && groups.data.items) || [])
    .filter((g) => g.level === 'group').map((g) => ({ value: String(g.id), label: g.name }));

  const submit = async (e) => {
    e.preventDefault();
    const g = f.category === 'probationary' ? { ...f, fullAt: '' } : f;
    let body;
    if (editing) {
      const was = fromRecord(rec.data);
      body = {};
      for (const k of TEXT.concat(BOOL)) {
        if (SEALED.includes(k)) { if (String(g[k]).trim()) body[k] = toApi(k, g[k]); continue; }
        if (g[k] !== was[k]) body[k] = toApi(k, g[k]);
      }
      if (!Object.keys(body).length) { location.hash = back; return; }
    } else {
      body = { orgId: Number(orgId) };
      for (const k of TEXT.concat(BOOL)) {
        const x = toApi(k, g[k]);
        if (x !== null) body[k] = x;
      }
    }
    const r = await sub.run(() => api(editing ? '/members/' + memberId : '/members',
      { method: editing ? 'PATCH' : 'POST', body }));
    if (r && r.id) location.replace('#/member/' + r.id);
  };

  const F = (p) => <Field ferr={sub.ferr} value={f[p.field]} onChange={set(p.field)} {...p} />;
  const keep = editing ? { placeholder: t('keepBlank') } : {};
  return (
    <div>
      <TopBar title={title} back={back} />
      <p class="muted sub">{editing ? rec.data.name + ' · ' + rec.data.orgName : org.data.name}</p>
      <form class="form mform" onSubmit={submit} novalidate>
        <fieldset class="card">
          <legend>{t('secBasic')}</legend>
          <F field="name" autocomplete="off" maxlength="30" />
          <F field="gender" kind="select" options={opts('gender', GENDERS)} />
          <F field="birthDate" kind="date" />
          <F field="idNumber" autocomplete="off" maxlength="18" inputmode="text" {...keep}
            hint={editing && rec.data.idNumber ? rec.data.idNumber : ''} />
          <F field="ethnicity" kind="select" options={plain(ETHNICITIES)} />
          <F field="nativePlace" maxlength="60" />
          <F field="education" kind="select" options={plain(EDUCATIONS)} />
          <F field="occupation" kind="select" options={plain(OCCUPATIONS)} />
          <F field="phone" kind="tel" maxlength="11" autocomplete="off" {...keep}
            hint={editing && rec.data.phone ? rec.data.phone : ''} />
          <F field="address" maxlength="120" autocomplete="off" {...keep}
            hint={editing && rec.data.address ? rec.data.address : ''} />
        </fieldset>
        <fieldset class="card">
          <legend>{t('secParty')}</legend>
          <F field="category" kind="select" options={opts('category', CATEGORIES)} />
          <F field="joinedAt" kind="date" />
          {f.category !== 'probationary' && <F field="fullAt" kind="date" />}
          <F field="addedHow" kind="select" options={opts('addedHow', ADDED_HOWS)} />
          {groupOpts.length > 0 && <F field="groupId" kind="select" options={groupOpts} placeholder={t('none')} />}
        </fieldset>
        <fieldset class="card">
          <legend>{t('secMigrant')}</legend>
          <F field="migrant" kind="check" />
          {f.migrant && <F field="migrantPlace" maxlength="60" />}
          {f.migrant && <F field="migrantSince" kind="date" />}
          <F field="lostContact" kind="check" />
          {f.lostContact && <F field="lostContactSince" kind="date" />}
        </fieldset>
        <fieldset class="card">
          <legend>{t('secDues')}</legend>
          <F field="duesBasis" kind="select" options={opts('duesBasis', DUES_BASES)} />
          <F field="duesFen" kind="number" inputmode="decimal" step="0.01" min="0" />
        </fieldset>
        {sub.ferr && <p class="error-text" role="status">{t('formHasErrors')}</p>}
        {sub.error && <p class="error-text" role="alert">{sub.errorText}</p>}
        <button type="submit" class="btn primary wide" disabled={sub.busy}>{sub.busy ? t('saving') : t('save')}</button>
      </form>
    </div>
  );
}
