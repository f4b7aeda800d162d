// The vocabularies of the member record (docs/API.md, "Members (the registry)"), in one
// place: the form's selects, the roster's filters and the labels of stored values.
// Chinese values (education, occupation, ethnicity) are stored as they are; the coded
// ones (gender, category, status, ...) are shown through i18n.js ('v.<code>').
import { t } from './i18n.js';
import { yuan } from './money.js';

export const GENDERS = ['male', 'female'];
export const CATEGORIES = ['full', 'probationary'];
// On the roster and counted: the first three (ON_ROSTER, the server's ROSTER_STATUSES in
// src/core/roster.h). The others leave the roster.
export const STATUSES = ['normal', 'retired', 'temporarily_out', 'transferred_out', 'left', 'deceased'];
export const ON_ROSTER = STATUSES.slice(0, 3);
// A status change never sets transferred_out (that is a transfer).
export const STATUS_CHANGES = ['normal', 'retired', 'temporarily_out', 'left', 'deceased'];
export const ADDED_HOWS = ['developed', 'transferred_in', 'other'];
export const AGE_BANDS = ['under35', '35to45', '46to60', 'over60'];
export const EDUCATIONS = ['研究生', '本科', '大专', '中专', '高中', '初中', '小学', '未上学'];
export const OCCUPATIONS = ['农民', '外出务工', '退休人员', '个体经营', '村干部', '乡村教师', '乡村医生',
  '合作社负责人', '养殖户', '企业员工', '机关事业单位', '学生', '军人', '无业', '其他'];
export const ETHNICITIES = ('汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 '
  + '土家族 哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 '
  + '土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 '
  + '俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族').split(' ');
export const DUES_BASES = ['farmer', 'salary', 'retiree', 'student', 'unemployed', 'subsistence'];
export const RECORD_KINDS = ['post', 'reward', 'penalty', 'training'];

// The label of a coded value: v('status', 'normal') → 正常.
export function v(kind, code) {
  if (code == null || code === '') return '';
  const k = 'v.' + kind + '.' + code;
  const s = t(k);
  return s === k ? String(code) : s;
}

// Options for a <select>: [{value, label}].
export const opts = (kind, list) => list.map((c) => ({ value: c, label: v(kind, c) }));
export const plain = (list) => list.map((c) => ({ value: c, label: c }));

// Field name → label key, for field errors and correction lists.
export const FIELD_LABEL = {
  orgId: 'f.orgId', groupId: 'f.groupId', name: 'f.name', gender: 'f.gender', ethnicity: 'f.ethnicity',
  birthDate: 'f.birthDate', idNumber: 'f.idNumber', nativePlace: 'f.nativePlace', education: 'f.education',
  occupation: 'f.occupation', phone: 'f.phone', address: 'f.address', joinedAt: 'f.joinedAt', fullAt: 'f.fullAt',
  category: 'f.category', addedHow: 'f.addedHow', migrant: 'f.migrant', migrantPlace: 'f.migrantPlace',
  migrantSince: 'f.migrantSince', hostOrgId: 'f.hostOrgId', lostContact: 'f.lostContact',
  lostContactSince: 'f.lostContactSince', duesBasis: 'f.duesBasis', duesFen: 'f.duesFen', status: 'f.status',
  date: 'f.date', reason: 'f.reason', note: 'f.note', kind: 'f.kind', title: 'f.title', issuer: 'f.issuer',
  startDate: 'f.startDate', endDate: 'f.endDate', appliedAt: 'f.appliedAt', responsible: 'f.responsible',
  months: 'f.months', contact1Id: 'f.contact1Id', contact2Id: 'f.contact2Id',
};
export const fieldLabel = (f) => (FIELD_LABEL[f] ? t(FIELD_LABEL[f]) : f);

// A stored value as text: coded ones through their labels, booleans as 是/否.
export function showValue(field, value) {
  if (value === true) return t('yes');
  if (value === false) return t('no');
  if (value == null || value === '') return '—';
  if (field === 'gender') return v('gender', value);
  if (field === 'category') return v('category', value);
  if (field === 'status') return v('status', value);
  if (field === 'addedHow') return v('addedHow', value);
  if (field === 'duesBasis') return v('duesBasis', value);
  if (field === 'duesFen') return yuan(value);
  return String(value);
}

export { yuan };
