// Strings: Chinese first, English as a switch. Keys are short; {name} placeholders.
const zh = {
  app: '支部',
  tagline: '村党支部的网上家园',
  loading: '正在加载…',
  offline: '离线：网络不可用，显示的是已保存的内容',
  retry: '重试',
  back: '返回',
  loadMore: '加载更多',
  noMore: '没有更多了',
  empty: '暂无内容',
  // login
  login: '登录',
  loggingIn: '正在登录…',
  phone: '手机号',
  password: '密码',
  showPassword: '显示密码',
  needPhone: '请输入手机号',
  needPassword: '请输入密码',
  largeText: '大字模式',
  otherLang: 'English',
  // home
  hello: '您好，{name}',
  myBranch: '我的支部',
  myOrg: '我的组织',
  noHome: '尚未关联到支部',
  myRoles: '我的职务',
  roster: '花名册',
  orgTree: '组织架构',
  open: '打开',
  // tabs
  tabHome: '首页',
  tabOrg: '组织',
  tabMe: '我的',
  // org
  members: '党员',
  membersN: '{n} 名党员',
  childrenN: '下级 {n} 个',
  children: '下级组织',
  closed: '已撤销',
  openRoster: '查看花名册',
  // roster
  searchName: '按姓名查找',
  search: '查找',
  male: '男',
  female: '女',
  ageN: '{n} 岁',
  joined: '{d} 入党',
  full: '正式党员',
  probationary: '预备党员',
  migrant: '流动党员',
  migrantAt: '在 {p}',
  noMatch: '没有找到符合条件的党员',
  // account
  account: '我的',
  name: '姓名',
  changePassword: '修改密码',
  oldPassword: '原密码',
  newPassword: '新密码（至少 8 位）',
  repeatPassword: '再次输入新密码',
  save: '保存',
  saving: '正在保存…',
  passwordChanged: '密码已修改',
  pwTooShort: '新密码至少 8 位',
  pwInvalid: '新密码不符合要求，请换一个更长、更难猜的密码',
  pwMismatch: '两次输入的新密码不一致',
  pwNeedOld: '请输入原密码',
  pwWrongOld: '原密码不正确',
  display: '显示与语言',
  language: '语言',
  on: '开',
  off: '关',
  logout: '退出登录',
  // errors
  'err.auth.bad_credentials': '手机号或密码不正确',
  'err.auth.throttled': '尝试次数过多，请稍后再试',
  'err.network': '网络不可用，请检查网络后重试',
  'err.notfound': '无权查看或不存在',
  'err.auth.csrf': '页面已过期，请刷新后重试',
  'err.auth.required': '请先登录',
  'err.request.invalid': '填写的内容有误',
  'err.server': '服务器暂时出错，请稍后再试',
  'err.other': '出错了，请稍后再试',
  // roles
  'role.member': '党员',
  'role.branch_secretary': '支部书记',
  'role.branch_committee': '支部委员',
  'role.org_admin': '组织管理员',
  'role.auditor': '审计员',
  'role.safety_officer': '安全员',
  'role.system_admin': '系统管理员',
  // levels
  'level.province': '省委',
  'level.city': '市委',
  'level.county': '县委',
  'level.township': '乡镇党委',
  'level.general_branch': '党总支',
  'level.branch': '党支部',
  'level.group': '党小组',
};

const en = {
  app: 'Zhibu',
  tagline: 'The online home of village party branches',
  loading: 'Loading…',
  offline: 'Offline: no network, showing saved content',
  retry: 'Retry',
  back: 'Back',
  loadMore: 'Load more',
  noMore: 'No more',
  empty: 'Nothing here yet',
  login: 'Log in',
  loggingIn: 'Logging in…',
  phone: 'Phone number',
  password: 'Password',
  showPassword: 'Show password',
  needPhone: 'Please enter your phone number',
  needPassword: 'Please enter your password',
  largeText: 'Large text',
  otherLang: '中文',
  hello: 'Hello, {name}',
  myBranch: 'My branch',
  myOrg: 'My organisation',
  noHome: 'Not linked to a branch yet',
  myRoles: 'My roles',
  roster: 'Roster',
  orgTree: 'Organisation tree',
  open: 'Open',
  tabHome: 'Home',
  tabOrg: 'Orgs',
  tabMe: 'Me',
  members: 'Members',
  membersN: '{n} members',
  childrenN: '{n} below',
  children: 'Sub-organisations',
  closed: 'Closed',
  openRoster: 'View roster',
  searchName: 'Find by name',
  search: 'Find',
  male: 'Male',
  female: 'Female',
  ageN: 'age {n}',
  joined: 'joined {d}',
  full: 'Full member',
  probationary: 'Probationary',
  migrant: 'Migrant',
  migrantAt: 'in {p}',
  noMatch: 'No matching members',
  account: 'Me',
  name: 'Name',
  changePassword: 'Change password',
  oldPassword: 'Current password',
  newPassword: 'New password (8+ characters)',
  repeatPassword: 'Repeat new password',
  save: 'Save',
  saving: 'Saving…',
  passwordChanged: 'Password changed',
  pwTooShort: 'The new password needs at least 8 characters',
  pwInvalid: 'The new password is not accepted; choose a longer, harder one',
  pwMismatch: 'The two new passwords differ',
  pwNeedOld: 'Please enter your current password',
  pwWrongOld: 'The current password is wrong',
  display: 'Display and language',
  language: 'Language',
  on: 'On',
  off: 'Off',
  logout: 'Log out',
  'err.auth.bad_credentials': 'Wrong phone number or password',
  'err.auth.throttled': 'Too many attempts, please try again later',
  'err.network': 'No network. Check your connection and try again',
  'err.notfound': 'Not found or not permitted',
  'err.auth.csrf': 'This page has expired, please reload',
  'err.auth.required': 'Please log in',
  'err.request.invalid': 'Please check what you entered',
  'err.server': 'Server error, please try again later',
  'err.other': 'Something went wrong, please try again later',
  'role.member': 'Member',
  'role.branch_secretary': 'Branch secretary',
  'role.branch_committee': 'Branch committee',
  'role.org_admin': 'Organisation admin',
  'role.auditor': 'Auditor',
  'role.safety_officer': 'Safety officer',
  'role.system_admin': 'System admin',
  'level.province': 'Province',
  'level.city': 'City',
  'level.county': 'County',
  'level.township': 'Township',
  'level.general_branch': 'General branch',
  'level.branch': 'Branch',
  'level.group': 'Party group',
};

const dicts = { zh, en };
let cur = zh;

export function setLang(lang) {
  cur = dicts[lang] || zh;
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
}

export function t(key, vars) {
  let s = cur[key] ?? zh[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
  return s;
}

export const roleName = (r) => t('role.' + r) === 'role.' + r ? r : t('role.' + r);
export const levelName = (l) => t('level.' + l) === 'level.' + l ? l : t('level.' + l);

// Maps an ApiError to a readable sentence. Unknown codes fall back on the status.
export function errText(err) {
  if (!err) return '';
  const code = err.code || '';
  if (code === 'network') return t('err.network');
  if (err.status === 404) return t('err.notfound');
  if (cur['err.' + code] || zh['err.' + code]) {
    return t('err.' + code);
  }
  if (err.status === 429) return t('err.auth.throttled');
  if (err.status >= 500) return t('err.server');
  return err.message || t('err.other');
}
