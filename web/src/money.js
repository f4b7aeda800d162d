// Money shown to people and typed by them: the server counts fen (integers), people read
// and write yuan with two decimals. Every amount on a screen goes through here.
import { t } from './i18n.js';

// 1250 → "12.50" (a form field's value, a table cell); null → ''.
export const yuanFigure = (fen) => (fen == null || fen === '' ? '' : (Number(fen) / 100).toFixed(2));

// 1250 → "12.50 元" (¥12.50 in English); null → '—'.
export const yuan = (fen) => (fen == null ? '—' : t('yuanN', { n: yuanFigure(fen) }));

// "12.5" → 1250 fen; '' → null; not a number → NaN (the server then names the field).
export function fenOf(text) {
  const s = String(text ?? '').trim();
  if (s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? Math.round(n * 100) : NaN;
}
