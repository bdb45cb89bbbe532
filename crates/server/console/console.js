// The Cove platform console: a single-page app over /api/v1. No framework and no build step.
// Every node is built with createElement and textContent, never from HTML strings, so
// names and messages from the API (CJK app names, reasons, error text) cannot inject markup.
// The Content-Security-Policy forbids inline styles too: charts are SVG with attributes.

const state = { user: null, csrf: null, caps: [] };
const main = document.getElementById('main');
let renderSeq = 0;

// ---------------------------------------------------------------------------------------
// Language: zh-CN or English, from the user's choice (kept in localStorage) or the browser.
// Strings are written in English and looked up in ZH; `{name}` placeholders are filled in.

const LANG_KEY = 'cove.lang';

function pickLang() {
  let saved = null;
  try {
    saved = localStorage.getItem(LANG_KEY);
  } catch {
    saved = null;
  }
  if (saved === 'en' || saved === 'zh-CN') return saved;
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  return /^zh\b/i.test(String(langs[0])) ? 'zh-CN' : 'en';
}

let lang = pickLang();
document.documentElement.lang = lang;

// `word|context` tells apart one English word with two translations; the context is not shown.
function t(text, vars) {
  const s = (lang === 'zh-CN' && ZH[text]) || text.replace(/\|[^|]*$/, '');
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

function setLang(l) {
  lang = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem(LANG_KEY, l);
  } catch {
    // Private mode: the choice lasts this page.
  }
  render({ keepBanner: true });
}

// Codes the API and the review report use, as words. The code stays beside the words
// (a reviewer may search for it), smaller.
const CODE_WORDS = {
  sensitive_api: 'Sensitive API',
  domain_not_whitelisted: 'Domain not whitelisted',
  insecure_scheme: 'Insecure scheme (http/ws)',
  unparsed_js: 'JavaScript not analysed',
  package_too_large: 'Package too large',
  needs_manual_review: 'Needs manual review',
  host_not_whitelisted: 'Host-like string not whitelisted',
  computed_member: 'Computed member',
  alias_escapes: 'wx handed on',
  alias_reassigned: 'Alias reassigned',
  unknown_wx_property: 'Unknown object’s wx',
  wx_overwritten: 'wx replaced',
  eval: 'eval',
  function_constructor: 'Function constructor',
  string_timer: 'Timer given a string',
  dynamic_require: 'Computed module path',
  host_fragment: 'Host-like string',
  uploaded: 'uploaded',
  in_review: 'in review',
  approved: 'approved',
  rejected: 'rejected',
  released: 'released',
  warn: 'warning',
  info: 'info',
  delivered: 'delivered',
  not_granted: 'not granted to this host app',
  taken_down: 'taken down',
  no_version: 'no version',
  not_delivered: 'not delivered to this host app',
  decided: 'decided by the gray rules',
  admin: 'admin',
  reviewer: 'reviewer',
  developer: 'developer',
  operator: 'operator',
  read_only: 'read-only',
  full: 'full',
  read: 'read',
  upload: 'upload',
};

function word(code) {
  return code in CODE_WORDS ? t(CODE_WORDS[code]) : String(code).replace(/_/g, ' ');
}

function codeWord(code) {
  return [word(code), ' ', h('code', { class: 'code' }, code)];
}

// Audit actions (`version.approve`) as words.
const ACTION_WORDS = {
  'app.create': 'Mini-program created',
  'app.takedown': 'Taken down',
  'app.restore': 'Restored',
  'version.upload': 'Version uploaded',
  'version.submit': 'Submitted for review',
  'version.approve': 'Approved',
  'version.reject': 'Rejected',
  'version.publish': 'Published',
  'version.publish_gray': 'Published to gray',
  'version.promote': 'Promoted to live',
  'version.rollback': 'Rolled back',
  'release.rules': 'Gray rules changed',
  'domains.propose': 'Whitelist change proposed',
  'domains.approve': 'Whitelist change approved',
  'domains.reject': 'Whitelist change rejected',
  'host.create': 'Host app created',
  'host.grant': 'Granted to a host app',
  'host.revoke': 'Revoked from a host app',
  'org.create': 'Organisation created',
  'user.create': 'User created',
  'session.create': 'Signed in',
};

const ZH = {
  // Account and users
  'Account': '账号',
  'Users|accounts': '用户',
  'Repeat new password': '重复新密码',
  'Password changed. Your other sessions were signed out.': '密码已修改，其他会话已退出登录。',
  'Full: everything you may do yourself': '完全：你本人能做的一切',
  'Read: mini-programs, versions, reports, statistics, the audit log': '只读：小程序、版本、审核报告、统计、审计日志',
  'Upload: upload a version and submit it (CI)': '上传：上传版本并提交审核（CI）',
  'Token {name} created': '已创建令牌 {name}',
  'Copy it now: this is the only time it is shown. Use it as COVE_TOKEN (or Authorization: Bearer …).': '请立即复制：令牌只显示这一次。用作 COVE_TOKEN（或 Authorization: Bearer …）。',
  'Revoke': '撤销',
  'Revoke token {name}?': '撤销令牌 {name}？',
  'Whatever uses it (a CI job, a script) is refused from now on.': '此后使用它的一切（CI 任务、脚本）都会被拒绝。',
  'Token revoked.': '令牌已撤销。',
  'never': '从未',
  'No API tokens.': '没有 API 令牌。',
  'Scope': '范围',
  'Created': '创建时间',
  'Expires': '过期时间',
  'Last used': '最近使用',
  'Create token': '创建令牌',
  'A token never does more than you may.': '令牌的权限不会超过你本人。',
  'Expires in (days)': '有效期（天）',
  '1 to 365.': '1 到 365。',
  'New token': '新建令牌',
  'API tokens': 'API 令牌',
  'For the CLI and CI (cove upload --token, COVE_TOKEN).': '供命令行工具和 CI 使用（cove upload --token、COVE_TOKEN）。',
  'full': '完全',
  'read': '只读',
  'upload': '上传',
  'disabled': '已停用',
  'active': '正常',
  'must change password': '须修改密码',
  'pending approval: {roles}': '待审批：{roles}',
  'Reset the password of {name}?': '重置 {name} 的密码？',
  'They sign in with this one-time password and must change it at once.': '对方用这个一次性密码登录，并须立即修改。',
  'One-time password': '一次性密码',
  'Reset password': '重置密码',
  'Password of {name} reset.': '已重置 {name} 的密码。',
  'you': '你本人',
  'Roles of {name} approved.': '已批准 {name} 的角色。',
  'Enable': '启用',
  '{name} enabled.': '已启用 {name}。',
  'Disable': '停用',
  'Disable {name}?': '停用 {name}？',
  'Their sessions and API tokens stop working until the account is enabled again.': '在账号重新启用之前，其会话和 API 令牌都无法使用。',
  '{name} disabled.': '已停用 {name}。',
  'No organisation.': '没有机构。',
  'No users yet.': '还没有用户。',
  'User': '用户',
  'Roles': '角色',
  'Create user': '创建用户',
  'At least 12 characters; they must change it at first sign-in.': '至少 12 个字符；对方首次登录时须修改。',
  'A new admin waits for a second admin’s approval.': '新管理员须由另一位管理员批准。',
  'User {name} created.': '已创建用户 {name}。',
  'New user': '新建用户',
  // Header, navigation, sign-in
  'Cove': 'Cove',
  'platform console': '平台控制台',
  'Mini-programs': '小程序',
  'Review queue': '审核队列',
  'Host apps': '宿主应用',
  'Audit log': '审计日志',
  'Log out': '退出登录',
  'Language': '语言',
  'operator org': '运营方',
  'Sign in': '登录',
  'Sign in · Cove console': '登录 · Cove 控制台',
  'Cove platform console': 'Cove 平台控制台',
  'Sign in with your platform account.': '使用平台账号登录。',
  'Your session ended: sign in again.': '会话已结束，请重新登录。',
  'Username': '用户名',
  'Password': '密码',
  'Sign-in failed: {error}': '登录失败：{error}',
  'Choose a new password': '设置新密码',
  'Your password must be changed before you continue.': '继续之前必须修改密码。',
  'Current password': '当前密码',
  'New password': '新密码',
  'New password, again': '再次输入新密码',
  'Change password': '修改密码',
  'At least 12 characters.': '至少 12 个字符。',
  'The two new passwords differ.': '两次输入的新密码不一致。',
  'Loading…': '加载中…',
  'This page could not be loaded.': '无法加载此页面。',
  'Dismiss': '关闭',
  'Cancel': '取消',
  'Confirm': '确认',
  'A reason is required.': '必须填写原因。',
  'A comment is required.': '必须填写审核意见。',
  'Why? (recorded in the audit log)': '原因（记入审计日志）',
  'Reason': '原因',
  'Reason: {reason}': '原因：{reason}',
  // Lists
  'Name': '名称',
  'App ID': '小程序 ID',
  'Category': '类目',
  'Organisation': '机构',
  'Live version': '线上版本',
  'State': '状态',
  'Filter': '筛选',
  'Filter by name, app id, organisation…': '按名称、小程序 ID、机构筛选…',
  'No mini-program matches.': '没有匹配的小程序。',
  'No mini-programs yet.': '还没有小程序。',
  'taken down': '已下架',
  'live v{v}': '线上 v{v}',
  'not published': '未发布',
  'New mini-program': '新建小程序',
  'Create': '创建',
  'Mini-program {name} created.': '小程序 {name} 已创建。',
  'Versions': '版本',
  'Gray release': '灰度发布',
  'Domains': '域名',
  'Statistics': '统计',
  'Restore': '恢复',
  'Restore {name}?': '恢复 {name}？',
  'Users can launch it again; the live version is served as before.': '用户可再次打开它，线上版本照常下发。',
  '{name} restored.': '{name} 已恢复。',
  'Emergency takedown': '紧急下架',
  'Take down': '下架',
  'Take down {name}?': '下架 {name}？',
  'Every container refuses to launch it from its next check, on every host app.': '所有宿主应用中的容器将在下次检查时拒绝打开它。',
  '{name} taken down.': '{name} 已下架。',
  'Taken down: {reason}': '已下架：{reason}',
  // Versions
  'Code': '版本号',
  'Note': '备注',
  'Size (zipped)': '大小（压缩包）',
  'Size (unpacked)': '大小（解压后）',
  'Uploaded by': '上传者',
  'Uploaded': '上传时间',
  'Submitted': '提交时间',
  'Actions': '操作',
  'Report': '报告',
  'Preview': '预览',
  'Submit': '提交审核',
  'Approve': '审核通过',
  'Reject': '驳回',
  'Publish': '发布',
  'Publish to gray': '灰度发布',
  'Promote to live': '全量发布',
  'Roll back to this': '回滚到此版本',
  'Roll back': '回滚',
  'Promote': '全量发布',
  'live': '线上',
  'gray only': '仅灰度',
  'previously live': '曾经上线',
  'All states': '全部状态',
  'Uploader': '上传者',
  'Search name, note, code…': '搜索名称、备注、版本号…',
  'Previous': '上一页',
  'Next': '下一页',
  '{from}–{to} of {total}': '第 {from}–{to} 条，共 {total} 条',
  'No versions match.': '没有匹配的版本。',
  'No versions uploaded yet. Upload one with `cove upload`.': '还没有上传版本。请用 `cove upload` 上传。',
  'Open {name} ({code}) in the simulator': '在模拟器中打开 {name}（{code}）',
  'The simulator runs version {name} at {url}': '模拟器正在运行版本 {name}：{url}',
  'Version {name} submitted for review.': '版本 {name} 已提交审核。',
  'Approve {name} ({code})': '审核通过 {name}（{code}）',
  'Your sign-off is recorded with the version and in the audit log: who, when, the report you saw (its digest and findings) and your comment.': '你的审核意见将与版本一起记录并写入审计日志：审核人、时间、你看到的报告（摘要值与发现项）以及意见。',
  'Findings you are signing off': '你确认的审核发现',
  'Comment': '审核意见',
  'What did you check, and why may it go out?': '检查了什么？为何可以发布？',
  'Version {name} approved.': '版本 {name} 已审核通过。',
  'Reject {name} ({code})': '驳回 {name}（{code}）',
  'The developer sees the reason and uploads again.': '开发者会看到原因并重新上传。',
  'Version {name} rejected.': '版本 {name} 已驳回。',
  'Publish {name} ({code}) to gray only?': '仅灰度发布 {name}（{code}）？',
  'It is signed and sealed, but only users matched by a gray rule get it until it is promoted.': '版本会被签名和加密，但在全量发布之前只有命中灰度规则的用户能获取。',
  'Version {name} published to gray.': '版本 {name} 已灰度发布。',
  'Publish {name} ({code})?': '发布 {name}（{code}）？',
  'It is signed, sealed for each host app and becomes the live version for everyone not matched by a gray rule.': '版本会被签名并为每个宿主应用加密，成为未命中灰度规则的所有用户的线上版本。',
  'Version {name} published.': '版本 {name} 已发布。',
  'Make {name} ({code}) the live version?': '将 {name}（{code}）设为线上版本？',
  'Everyone not matched by a gray rule gets it from their next launch.': '未命中灰度规则的用户下次打开时即获取此版本。',
  '{name} is live.': '{name} 已上线。',
  'Roll back to {name} ({code})?': '回滚到 {name}（{code}）？',
  'It replaces the live version {live} at once.': '它将立即替换线上版本 {live}。',
  'Rolled back to {name}.': '已回滚到 {name}。',
  // Report
  'Review report — {name} ({code})': '审核报告 — {name}（{code}）',
  'No report for this version.': '此版本没有报告。',
  'Uploaded by {who} at {when}': '由 {who} 于 {when} 上传',
  'Findings': '审核发现',
  'No findings.': '没有发现项。',
  'wx APIs ({n}, {s} sensitive)': 'wx 接口（{n} 个，其中敏感 {s} 个）',
  'API': '接口',
  'Calls': '调用次数',
  'Files': '文件',
  'sensitive': '敏感',
  'No wx APIs called.': '未调用 wx 接口。',
  'indirect': '间接',
  '{n} through an alias or a computed key': '其中 {n} 次经别名或计算键名',
  'Needs manual review ({n})': '需人工审核（{n}）',
  'These places reach wx, the global object or code built from strings in ways the analysis cannot follow, or name hosts on no whitelist. Read each one before approving.': '以下位置以静态分析无法追踪的方式访问 wx、全局对象或由字符串构造的代码，或包含未列入白名单的疑似域名。审核通过前请逐一阅读。',
  'Nothing needs manual review.': '没有需人工审核的位置。',
  'Where': '位置',
  'What': '类型',
  'Why': '原因',
  'Code': '代码',
  'Needs manual review': '需人工审核',
  'Host-like string not whitelisted': '疑似域名未列入白名单',
  'Computed member': '计算成员访问',
  'wx handed on': 'wx 被传递',
  'Alias reassigned': '别名被重新赋值',
  'Unknown object’s wx': '未知对象的 wx 属性',
  'wx replaced': 'wx 被替换',
  'Function constructor': 'Function 构造器',
  'Timer given a string': '定时器参数为字符串',
  'Computed module path': '计算得到的模块路径',
  'Host-like string': '疑似域名',
  'Domains referenced vs whitelist': '引用的域名与白名单对照',
  'Domain': '域名',
  'Whitelisted in': '所在白名单',
  'Scheme': '协议',
  'not whitelisted': '未列入白名单',
  'insecure scheme': '不安全协议',
  'No domains referenced.': '未引用域名。',
  'Whitelisted but not referenced: {list}': '已列入白名单但未引用：{list}',
  'Permission scopes': '权限范围',
  'No scopes.': '没有权限范围。',
  'Size': '大小',
  'Part': '分包',
  'Against the limit': '相对上限',
  'main package': '主包',
  'total': '合计',
  '{pct} of {limit}': '{limit} 的 {pct}',
  'npm modules': 'npm 模块',
  'Module': '模块',
  'No npm modules.': '没有 npm 模块。',
  'Diff against the live version': '与线上版本的差异',
  'No diff: nothing was live to compare against.': '无差异：没有可对比的线上版本。',
  'No change against the live version {live}.': '与线上版本 {live} 相比没有变化。',
  '{n} files changed against live version {live}: ': '与线上版本 {live} 相比有 {n} 个文件变化：',
  'Sign-off': '审核签字',
  'Approved by {who} at {when}': '由 {who} 于 {when} 审核通过',
  'Report digest': '报告摘要值',
  'Findings seen: {warn} warnings, {info} notes': '审核时的发现项：{warn} 个警告，{info} 个提示',
  // Review queue
  'Versions waiting for review, the longest waiting first.': '等待审核的版本，等待最久的在前。',
  'Mini-program': '小程序',
  'Version': '版本',
  'Nothing is waiting for review.': '没有等待审核的版本。',
  // Gray release
  'User ids': '用户 ID',
  'Percentage': '百分比',
  'Host version': '宿主版本',
  'Platforms': '平台',
  'Tags': '标签',
  'Time window': '时间窗口',
  'Gray rules': '灰度规则',
  'Rule id': '规则 ID',
  'Serves version': '下发版本',
  'Add rule': '添加规则',
  'Save rules': '保存规则',
  'Gray rules saved.': '灰度规则已保存。',
  'Add condition': '添加条件',
  'Remove': '移除',
  'Delete rule': '删除规则',
  'Condition kind': '条件类型',
  'No conditions: this rule matches everyone.': '没有条件：此规则匹配所有人。',
  'No gray rules: everyone gets the live version.': '没有灰度规则：所有人获取线上版本。',
  'Rules are tried in order; the first whose conditions all hold decides. Otherwise the live version ({live}) is served.': '规则按顺序匹配，第一条条件全部满足的规则生效；否则下发线上版本（{live}）。',
  'none': '无',
  'Explain: which version does a user get, and why?': '解释：用户获得哪个版本，为什么？',
  'User id': '用户 ID',
  'Host app': '宿主应用',
  '(any host app)': '（任意宿主应用）',
  'Platform': '平台',
  'At': '时间',
  'now if empty': '留空表示现在',
  'Explain': '解释',
  'Version {code}': '版本 {code}',
  'No version: ': '没有版本：',
  ' by rule ': ' 依据规则 ',
  ' (the live version: no rule matched)': '（线上版本：没有规则命中）',
  'nothing is live and no rule matched.': '没有线上版本，也没有规则命中。',
  'On host app {name}: ': '在宿主应用 {name} 上：',
  // Domains
  'Propose change': '提交变更',
  'Domain change proposed: it needs approval.': '域名变更已提交，需要审批。',
  'one host per line': '每行一个域名',
  'Pending whitelist change ': '待审批的白名单变更 ',
  'needs approval': '待审批',
  'List': '列表',
  'Added': '新增',
  'Removed': '移除',
  'Domain whitelists': '域名白名单',
  'Containers let the mini-program reach only these hosts. A change takes effect once another person approves it.': '容器只允许小程序访问这些域名。变更需由另一人审批后生效。',
  'Whitelist change rejected.': '白名单变更已驳回。',
  'Whitelist change approved.': '白名单变更已通过。',
  'Reject the whitelist change': '驳回白名单变更',
  'Proposed by {who} at {when}': '由 {who} 于 {when} 提出',
  // Statistics
  'Launches': '启动次数',
  'Users': '用户数',
  'Errors': '错误数',
  '{title} — {total} in {days} days': '{title} — {days} 天内 {total}',
  'distinct users over the period': '期间内去重用户数',
  'last {n} days': '最近 {n} 天',
  'Days': '天数',
  'By version': '按版本',
  'Top failing APIs': '失败最多的接口',
  'Failures': '失败次数',
  'Failure rate': '失败率',
  'Last error': '最近错误',
  'No failing API calls.': '没有失败的接口调用。',
  'Recent errors': '最近错误',
  'Message': '信息',
  'Count': '次数',
  'Last seen': '最近出现',
  'No errors reported.': '没有上报错误。',
  'Personal data released': '个人数据提供情况',
  'Data': '数据',
  'Releases': '提供次数',
  'Reduced by policy': '按策略脱敏',
  'No personal data released.': '没有提供个人数据。',
  // Host apps
  'ID': 'ID',
  'SDK key': 'SDK Key',
  'Package sealing': '包加密',
  'sealed': '已加密',
  'not sealed': '未加密',
  'Show': '显示',
  'Hide': '隐藏',
  'No host apps yet.': '还没有宿主应用。',
  'New host app': '新建宿主应用',
  'Create host app': '创建宿主应用',
  'Sealing key': '加密公钥',
  // Audit
  'Seq': '序号',
  'Time': '时间',
  'Actor': '操作人',
  'Org': '机构',
  'Action': '操作',
  'Target': '对象',
  'Change': '变更',
  'change': '变更',
  'before': '变更前',
  'after': '变更后',
  'The audit log is empty.': '审计日志为空。',
  'No entry matches.': '没有匹配的记录。',
  'Verify chain': '校验哈希链',
  'Verifying…': '校验中…',
  '✓ Chain intact: {rows} rows verified.': '✓ 哈希链完整：已校验 {rows} 条记录。',
  'From': '开始',
  'Until': '结束',
  'Any action': '任意操作',
  'Apply': '应用',
  'Export CSV': '导出 CSV',
  'last {n}': '最近 {n} 条',
  'user #{id}': '用户 #{id}',
  'Every change on the platform, hash-chained: editing or deleting a row breaks the chain from there on.': '平台上的每一次变更都以哈希链记录：修改或删除任一行都会使其后的链断开。',
  'Times are shown in {zone}.': '时间按 {zone} 显示。',
  // Codes as words
  'Sensitive API': '敏感接口',
  'Domain not whitelisted': '域名未列入白名单',
  'Insecure scheme (http/ws)': '不安全协议（http/ws）',
  'JavaScript not analysed': 'JavaScript 未能分析',
  'Package too large': '包体积过大',
  'uploaded': '已上传',
  'in review': '审核中',
  'approved': '已通过',
  'rejected': '已驳回',
  'released': '已发布',
  'warning': '警告',
  'info': '提示',
  'delivered': '会下发',
  'not granted to this host app': '未授权给此宿主应用',
  'no version': '没有版本',
  'not delivered to this host app': '未下发到此宿主应用',
  'decided by the gray rules': '由灰度规则决定',
  'admin': '管理员',
  'reviewer': '审核员',
  'developer': '开发者',
  'operator': '运维',
  'read-only': '只读',
  'one per line or comma-separated': '每行一个或用逗号分隔',
  'Mini-program created': '创建小程序',
  'Taken down': '下架',
  'Restored': '恢复',
  'Version uploaded': '上传版本',
  'Submitted for review': '提交审核',
  'Approved': '审核通过',
  'Rejected': '驳回',
  'Published': '发布',
  'Published to gray': '灰度发布',
  'Promoted to live': '全量发布',
  'Rolled back': '回滚',
  'Gray rules changed': '修改灰度规则',
  'Whitelist change proposed': '提出白名单变更',
  'Whitelist change approved': '通过白名单变更',
  'Whitelist change rejected': '驳回白名单变更',
  'Host app created': '创建宿主应用',
  'Granted to a host app': '授权给宿主应用',
  'Revoked from a host app': '取消宿主应用授权',
  'Organisation created': '创建机构',
  'User created': '创建用户',
  'Signed in': '登录',
};

// ---------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  return (await request(method, path, body)).data;
}

// GET a paged list: the rows, and the total the server counts (`X-Total-Count`).
async function apiPage(path) {
  const { data, headers } = await request('GET', path);
  const items = Array.isArray(data) ? data : [];
  return { items, total: Number(headers.get('x-total-count') ?? items.length) };
}

async function request(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // Every state-changing request carries the session's CSRF token.
  if (method !== 'GET') headers['x-csrf-token'] = state.csrf || '';
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', `The server could not be reached (${e.message}).`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const code = (data && data.code) || `http_${res.status}`;
    // Not every refusal is JSON (a body the server could not parse is answered in text).
    const message = (data && data.message) || text.trim().slice(0, 500) || res.statusText || 'request failed';
    if (res.status === 401 && path !== '/session') {
      // The session ended (expired, or logged out elsewhere): back to the login form.
      state.user = null;
      state.csrf = null;
      state.expired = true;
      queueMicrotask(() => render());
    }
    throw new ApiError(res.status, code, message);
  }
  return { data, headers: res.headers };
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------------------------------
// DOM helpers

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'value') value = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, children);
  // After the children, so that a <select> has its options.
  if (value !== undefined) el.value = value;
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

function table(headers, rows, attrs) {
  return h(
    'table',
    attrs || {},
    // A header ending in '#' heads a numeric (right-aligned) column.
    h('thead', {}, h('tr', {}, headers.map((x) => (String(x).endsWith('#') ? h('th', { scope: 'col', class: 'num' }, x.slice(0, -1)) : h('th', { scope: 'col' }, x))))),
    h('tbody', {}, rows),
  );
}

function empty(cols, text) {
  return h('tr', { class: 'empty' }, h('td', { colspan: cols }, text));
}

function section(title, ...children) {
  return h('section', { class: 'card' }, h('h3', {}, title), children);
}

function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

// The viewer's time zone: its IANA name, and its offset at `d` (`GMT+8`).
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function zoneOffset(d) {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'shortOffset' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    return part ? part.value : '';
  } catch {
    const m = -d.getTimezoneOffset();
    return `GMT${m >= 0 ? '+' : '-'}${Math.floor(Math.abs(m) / 60)}${Math.abs(m) % 60 ? `:${pad(Math.abs(m) % 60)}` : ''}`;
  }
}

// A time in the viewer's zone, with the zone named (`2026-12-07 23:01:02 GMT+8`).
function fmtTime(when) {
  if (when == null || when === '') return '—';
  const d = typeof when === 'number' ? new Date(when * 1000) : new Date(when);
  if (Number.isNaN(d.getTime())) return String(when);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneOffset(d)}`;
}

function timeCell(when) {
  return h('td', { class: 'time', title: ZONE }, fmtTime(when));
}

function fmtBytes(n) {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

function fmtNum(n) {
  return n == null ? '—' : Number(n).toLocaleString(lang === 'zh-CN' ? 'zh-CN' : 'en-US');
}

// A share (failures / calls, bytes / limit) as a percentage.
function fmtRate(r) {
  if (r == null || Number.isNaN(r)) return '—';
  const pct = r * 100;
  return `${pct.toFixed(pct < 10 ? 2 : 1)}%`;
}

function list(text) {
  return text
    .split(/[\s,，]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

// A user as the API names one: a name, or (in some rows) only an id.
function userRef(x) {
  if (x == null || x === '') return '—';
  return typeof x === 'number' ? t('user #{id}', { id: x }) : String(x);
}

// What the server says the caller may do (`allowed_actions`, from the same authorisation
// table it enforces): the console offers nothing else.
function can(obj, action) {
  return Array.isArray(obj && obj.allowed_actions) && obj.allowed_actions.includes(action);
}

function capable(action) {
  return state.caps.includes(action);
}

// The user's roles: `role` in the contract, `roles` (a set) in the platform's User.
function rolesOf(u) {
  const roles = u.role ? [u.role] : u.roles || [];
  return roles.map((r) => word(r)).join(', ');
}

function errText(e) {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  return String((e && e.message) || e);
}

// ---------------------------------------------------------------------------------------
// Banners: API errors are always shown; successes briefly.

const banner = document.getElementById('error');
const bannerText = document.getElementById('error-text');
document.getElementById('error-close').addEventListener('click', clearError);

function showError(e) {
  bannerText.textContent = errText(e);
  banner.className = 'error';
  banner.setAttribute('role', 'alert');
  banner.hidden = false;
  if (e instanceof ApiError) banner.dataset.code = e.code;
}

function showNotice(text) {
  bannerText.textContent = text;
  banner.className = 'notice';
  banner.setAttribute('role', 'status');
  delete banner.dataset.code;
  banner.hidden = false;
}

function clearError() {
  banner.hidden = true;
  bannerText.textContent = '';
  delete banner.dataset.code;
}

// Run a mutation from a button: disabled meanwhile, errors to the banner, then refresh.
async function act(button, fn, done) {
  if (button) button.disabled = true;
  clearError();
  try {
    const r = await fn();
    if (done) showNotice(done);
    await render({ keepBanner: true });
    return r;
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// A modal dialog. With `reason` (its label), it asks for required text (`placeholder`,
// `required`: the message when empty); `content` is shown above it. `run` gets the text; an
// error it throws is shown in the dialog, which stays open.
function dialog({ title, text, content, reason, placeholder, required, confirm, danger, run }) {
  return new Promise((resolve) => {
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const area = reason
      ? h('textarea', { name: 'reason', rows: 3, required: true, placeholder: placeholder || t('Why? (recorded in the audit log)') })
      : null;
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, confirm || t('Confirm'));
    const cancel = h('button', { type: 'button', class: 'ghost' }, t('Cancel'));
    const form = h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h3', {}, title),
      text ? h('p', {}, text) : null,
      content || null,
      area ? field(reason, area) : null,
      err,
      h('div', { class: 'actions' }, cancel, ok),
    );
    const dlg = h('dialog', { class: 'modal' }, form);
    const close = (v) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    cancel.addEventListener('click', () => close(null));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(null);
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = area ? area.value.trim() : '';
      if (area && !value) {
        err.textContent = required || t('A reason is required.');
        err.hidden = false;
        area.focus();
        return;
      }
      ok.disabled = true;
      err.hidden = true;
      try {
        const r = await run(value);
        close(r === undefined ? true : r);
      } catch (x) {
        err.textContent = errText(x);
        err.hidden = false;
      } finally {
        ok.disabled = false;
      }
    });
    document.body.append(dlg);
    dlg.showModal();
    (area || ok).focus();
  });
}

async function dialogAct(opts, done) {
  clearError();
  const r = await dialog(opts);
  if (r !== null) {
    if (done) showNotice(done);
    await render({ keepBanner: true });
  }
}

// ---------------------------------------------------------------------------------------
// Routing: #/apps, #/apps/{id}[/{tab}], #/apps/{id}/versions/{code}, #/hosts, #/audit,
// #/review, #/users[/{org}], #/account

function parseRoute() {
  const parts = location.hash
    .replace(/^#\/?/, '')
    .split('?')[0]
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  const [section, id, tab, code] = parts;
  if (section === 'hosts') return { section: 'hosts' };
  if (section === 'audit') return { section: 'audit' };
  if (section === 'review') return { section: 'review' };
  if (section === 'account') return { section: 'account' };
  if (section === 'users') return { section: 'users', id };
  if (section === 'apps' && id) return { section: 'apps', id, tab: tab || 'versions', code };
  return { section: 'apps' };
}

window.addEventListener('hashchange', () => render());

const langSelect = document.getElementById('lang');
langSelect.addEventListener('change', () => setLang(langSelect.value));

// The header's fixed words, in the current language.
function translateChrome() {
  langSelect.value = lang;
  langSelect.setAttribute('aria-label', t('Language'));
  document.getElementById('brand-sub').textContent = t('platform console');
  document.getElementById('logout').textContent = t('Log out');
  document.getElementById('error-close').setAttribute('aria-label', t('Dismiss'));
}

async function render(opts = {}) {
  const seq = ++renderSeq;
  if (!opts.keepBanner) clearError();
  translateChrome();
  const top = document.getElementById('top');
  if (!state.user) {
    top.hidden = true;
    main.replaceChildren(state.mustChange ? passwordView() : loginView());
    document.title = t('Sign in · Cove console');
    return;
  }
  top.hidden = false;
  const u = state.user;
  // Through add(), which skips what is absent: replaceChildren() would write "null".
  const who = document.getElementById('who');
  who.replaceChildren();
  add(who, [
    h('strong', {}, u.username),
    ' · ',
    rolesOf(u),
    ' · ',
    h('span', { id: 'who-org' }, u.org_name || String(u.org_id ?? '')),
    u.operator ? [' ', badge(t('operator org'), 'info')] : null,
  ]);
  const route = parseRoute();
  // Only the sections the user may use (the server's capabilities).
  const sections = [
    ['apps', '#/apps', 'Mini-programs', true],
    ['review', '#/review', 'Review queue', capable('review')],
    ['hosts', '#/hosts', 'Host apps', capable('manage_hosts')],
    ['users', '#/users', 'Users|accounts', capable('manage_users')],
    ['audit', '#/audit', 'Audit log', capable('view_audit')],
    ['account', '#/account', 'Account', true],
  ];
  document.getElementById('nav').replaceChildren(
    ...sections
      .filter(([, , , show]) => show)
      .map(([id, href, label]) => h('a', { href, 'data-section': id, class: route.section === id ? 'active' : '' }, t(label))),
  );
  let view;
  try {
    if (route.section === 'hosts') view = await hostsView();
    else if (route.section === 'audit') view = await auditView();
    else if (route.section === 'review') view = await reviewView();
    else if (route.section === 'account') view = await accountView();
    else if (route.section === 'users') view = await usersView(route);
    else if (route.id) view = await appView(route);
    else view = await appsView();
  } catch (e) {
    if (seq !== renderSeq) return;
    showError(e);
    view = h('div', { class: 'failed' }, h('p', {}, t('This page could not be loaded.')), h('p', { class: 'muted' }, errText(e)));
  }
  // A newer navigation started meanwhile: its view wins.
  if (seq !== renderSeq) return;
  main.replaceChildren(view);
}

// ---------------------------------------------------------------------------------------
// Login

function loginView() {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'form-error', id: 'login-error', role: 'alert', hidden: true });
  const go = h('button', { type: 'submit', class: 'primary' }, t('Sign in'));
  const form = h(
    'form',
    { id: 'login', class: 'card login' },
    h('h2', {}, t('Cove platform console')),
    h('p', { class: 'muted' }, t('Sign in with your platform account.')),
    state.expired ? h('p', { class: 'notice-text', role: 'status' }, t('Your session ended: sign in again.')) : null,
    field(t('Username'), user),
    field(t('Password'), pass),
    err,
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    go.disabled = true;
    try {
      const s = await api('POST', '/session', { username: user.value.trim(), password: pass.value });
      state.csrf = s.csrf;
      state.expired = false;
      if (s.must_change_password) {
        // Only the password change is allowed until it is done.
        state.mustChange = { user: s.user, username: user.value.trim(), current: pass.value };
        await render();
        return;
      }
      await signedIn(s.user);
      if (!location.hash || location.hash === '#/') location.hash = '#/apps';
      await render();
    } catch (x) {
      err.textContent = t('Sign-in failed: {error}', { error: errText(x) });
      err.hidden = false;
      pass.select();
    } finally {
      go.disabled = false;
    }
  });
  return h('div', { class: 'center' }, form);
}

// Signed in: remember the user and what they may do outside any one mini-program.
async function signedIn(user) {
  state.user = user;
  state.mustChange = null;
  try {
    state.caps = (await api('GET', '/capabilities')).actions || [];
  } catch {
    state.caps = [];
  }
}

// The forced password change after signing in with a one-time password.
function passwordView() {
  const m = state.mustChange;
  const next = h('input', { name: 'new', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const again = h('input', { name: 'again', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const err = h('p', { class: 'form-error', id: 'password-error', role: 'alert', hidden: true });
  const go = h('button', { type: 'submit', class: 'primary' }, t('Change password'));
  const form = h(
    'form',
    { id: 'change-password', class: 'card login' },
    h('h2', {}, t('Choose a new password')),
    h('p', { class: 'muted' }, t('Your password must be changed before you continue.')),
    field(t('New password'), next, t('At least 12 characters.')),
    field(t('New password, again'), again),
    err,
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (next.value !== again.value) {
      err.textContent = t('The two new passwords differ.');
      err.hidden = false;
      return;
    }
    go.disabled = true;
    try {
      await api('PUT', '/session/password', { current: m.current, new: next.value });
      // The session may or may not survive the change: sign in again with the new one.
      const s = await api('POST', '/session', { username: m.username, password: next.value });
      state.csrf = s.csrf;
      await signedIn(s.user);
      if (!location.hash || location.hash === '#/') location.hash = '#/apps';
      await render();
    } catch (x) {
      err.textContent = errText(x);
      err.hidden = false;
    } finally {
      go.disabled = false;
    }
  });
  return h('div', { class: 'center' }, form);
}

const logout = document.getElementById('logout');
logout.addEventListener('click', async () => {
  logout.disabled = true;
  try {
    await api('DELETE', '/session');
  } catch (x) {
    // The session is gone either way on this side; a failure is still worth seeing.
    if (!(x instanceof ApiError && x.status === 401)) showError(x);
  } finally {
    logout.disabled = false;
  }
  state.user = null;
  state.csrf = null;
  state.caps = [];
  await render({ keepBanner: true });
});

// ---------------------------------------------------------------------------------------
// Mini-programs

function stateBadges(app) {
  const out = [];
  if (app.taken_down) out.push(badge(t('taken down'), 'bad'), ' ');
  if (app.live_version != null) out.push(badge(t('live v{v}', { v: app.live_version }), app.taken_down ? 'muted' : 'good'));
  else out.push(badge(t('not published'), 'muted'));
  return out;
}

async function appsView() {
  const [apps, orgs] = await Promise.all([
    api('GET', '/apps'),
    // Organisations a new mini-program may belong to; without the list, those seen.
    api('GET', '/orgs').catch(() => null),
  ]);
  const rows = (filter) => {
    const f = filter.trim().toLowerCase();
    const shown = apps.filter(
      (a) =>
        !f ||
        [a.name, a.app_id, a.org_name, a.org_id, a.category].some((x) => String(x ?? '').toLowerCase().includes(f)),
    );
    if (!shown.length) return [empty(6, apps.length ? t('No mini-program matches.') : t('No mini-programs yet.'))];
    return shown.map((a) =>
      h(
        'tr',
        { 'data-app': a.app_id },
        h('td', { class: 'name' }, h('a', { href: `#/apps/${enc(a.app_id)}` }, a.name)),
        h('td', {}, h('code', {}, a.app_id)),
        h('td', {}, a.category || '—'),
        h('td', {}, a.org_name || a.org_id),
        h('td', { class: 'num' }, a.live_version ?? '—'),
        h('td', { class: 'state' }, stateBadges(a)),
      ),
    );
  };
  const tbody = h('tbody', {}, rows(''));
  const search = h('input', { type: 'search', placeholder: t('Filter by name, app id, organisation…'), 'aria-label': t('Filter') });
  search.addEventListener('input', () => tbody.replaceChildren(...rows(search.value)));
  const tbl = h(
    'table',
    { id: 'apps' },
    h(
      'thead',
      {},
      h('tr', {}, ['Name', 'App ID', 'Category', 'Organisation'].map((x) => h('th', { scope: 'col' }, t(x))), h('th', { scope: 'col', class: 'num' }, t('Live version')), h('th', { scope: 'col' }, t('State'))),
    ),
    tbody,
  );
  document.title = `${t('Mini-programs')} · Cove`;
  return h(
    'div',
    {},
    h('div', { class: 'title' }, h('h2', {}, `${t('Mini-programs')} `, h('span', { class: 'count' }, String(apps.length))), search),
    tbl,
    capable('create_app') ? newAppForm(apps, orgs) : null,
  );
}

function newAppForm(apps, known) {
  const orgs = new Map();
  orgs.set(state.user.org_id, state.user.org_name || state.user.org_id);
  for (const o of Array.isArray(known) ? known : []) orgs.set(o.id, o.name || o.id);
  for (const a of apps) orgs.set(a.org_id, a.org_name || a.org_id);
  const appId = h('input', { name: 'app_id', required: true, pattern: '[A-Za-z0-9_\\-]+', placeholder: 'wx0123456789abcdef' });
  const name = h('input', { name: 'name', required: true, placeholder: '电费缴纳' });
  const category = h('input', { name: 'category', placeholder: 'utilities' });
  const org = h(
    'select',
    { name: 'org_id', value: state.user.org_id },
    [...orgs].map(([id, n]) => h('option', { value: id }, n)),
  );
  const go = h('button', { type: 'submit', class: 'primary' }, t('Create'));
  const form = h(
    'form',
    { class: 'grid' },
    field(t('App ID'), appId),
    field(t('Name'), name),
    field(t('Category'), category),
    field(t('Organisation'), org),
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // Organisation ids are numbers in the API; the select holds strings.
    const orgId = /^\d+$/.test(org.value) ? Number(org.value) : org.value;
    const body = { app_id: appId.value.trim(), name: name.value.trim(), category: category.value.trim(), org_id: orgId };
    act(go, () => api('POST', '/apps', body), t('Mini-program {name} created.', { name: body.name }));
  });
  return h('details', { class: 'card' }, h('summary', {}, t('New mini-program')), form);
}

const TABS = [
  ['versions', 'Versions'],
  ['gray', 'Gray release'],
  ['domains', 'Domains'],
  ['stats', 'Statistics'],
];

async function appView(route) {
  const id = route.id;
  const app = await api('GET', `/apps/${enc(id)}`);
  document.title = `${app.name} · Cove`;
  let body;
  if (route.tab === 'gray') body = await grayTab(app);
  else if (route.tab === 'domains') body = domainsTab(app);
  else if (route.tab === 'stats') body = await statsTab(app);
  else body = await versionsTab(app, route.code);
  const takedown = can(app, 'restore')
    ? h('button', {
        type: 'button',
        id: 'restore',
        onclick: () =>
          dialogAct(
            {
              title: t('Restore {name}?', { name: app.name }),
              text: t('Users can launch it again; the live version is served as before.'),
              confirm: t('Restore'),
              run: () => api('POST', `/apps/${enc(id)}/restore`),
            },
            t('{name} restored.', { name: app.name }),
          ),
      }, t('Restore'))
    : can(app, 'takedown')
      ? h('button', {
          type: 'button',
          id: 'takedown',
          class: 'danger',
          onclick: () =>
            dialogAct(
              {
                title: t('Take down {name}?', { name: app.name }),
                text: t('Every container refuses to launch it from its next check, on every host app.'),
                reason: t('Reason'),
                confirm: t('Take down'),
                danger: true,
                run: (reason) => api('POST', `/apps/${enc(id)}/takedown`, { reason }),
              },
              t('{name} taken down.', { name: app.name }),
            ),
        }, t('Emergency takedown'))
      : null;
  return h(
    'div',
    { class: 'app' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/apps' }, t('Mini-programs')), ' / ', app.name),
    h(
      'div',
      { class: 'title' },
      h(
        'div',
        {},
        h('h2', { id: 'app-name' }, app.name),
        h('p', { class: 'muted' }, h('code', {}, app.app_id), ' · ', app.org_name || app.org_id, app.category ? ` · ${app.category}` : ''),
        app.taken_down && app.takedown_reason ? h('p', { class: 'reason', id: 'takedown-reason' }, t('Taken down: {reason}', { reason: app.takedown_reason })) : null,
      ),
      h('div', { class: 'state' }, stateBadges(app), takedown),
    ),
    h(
      'nav',
      { class: 'tabs', role: 'tablist' },
      TABS.filter(([tab]) => tab !== 'stats' || can(app, 'view_stats')).map(([tab, label]) =>
        h('a', { href: `#/apps/${enc(id)}/${tab}`, role: 'tab', 'aria-selected': String(route.tab === tab), class: route.tab === tab ? 'active' : '' }, t(label)),
      ),
    ),
    h('div', { class: 'tab', id: `tab-${route.tab}` }, body),
  );
}

// --- Versions and the review report ------------------------------------------------------

const STATE_KIND = { uploaded: 'muted', in_review: 'warn', approved: 'info', rejected: 'bad', released: 'good' };

function stateBadge(st) {
  return badge(word(st), STATE_KIND[st]);
}

// The version list's filters and page, per mini-program, for this page's life.
const versionFilters = new Map();
const PAGE = 20;

function queryOf(f) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== '' && v != null) q.set(k, String(v));
  return q;
}

// Previous / next under a paged table.
function pager(offset, limit, total, go) {
  const from = total ? offset + 1 : 0;
  const to = Math.min(total, offset + limit);
  return h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', class: 'ghost small', disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, t('Previous')),
    h('span', { class: 'muted range' }, t('{from}–{to} of {total}', { from, to, total })),
    h('button', { type: 'button', class: 'ghost small', disabled: to >= total, onclick: () => go(offset + limit) }, t('Next')),
  );
}

// The buttons for a version's `allowed_actions`. `app` may be null (the review queue).
function versionActions(appId, v, live, appName) {
  const out = [];
  const path = (step) => `/apps/${enc(appId)}/versions/${enc(v.code)}/${step}`;
  const btn = (label, cls, onclick) => h('button', { type: 'button', class: `small ${cls || ''}`, onclick }, label);
  const names = { name: v.name, code: v.code };
  if (can(v, 'preview')) {
    // The reviewer runs the candidate in the simulator (a new tab, opened by the user's click).
    out.push(
      btn(t('Preview'), '', async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        clearError();
        try {
          const r = await api('POST', path('preview'));
          const link = h('a', { href: r.url, target: '_blank', rel: 'noopener noreferrer', class: 'preview-link' }, t('Open {name} ({code}) in the simulator', names));
          b.replaceWith(link);
          showNotice(t('The simulator runs version {name} at {url}', { name: v.name, url: r.url }));
        } catch (err) {
          showError(err);
          b.disabled = false;
        }
      }),
    );
  }
  if (can(v, 'submit')) out.push(btn(t('Submit'), '', (e) => act(e.currentTarget, () => api('POST', path('submit')), t('Version {name} submitted for review.', names))));
  if (can(v, 'approve')) out.push(btn(t('Approve'), 'primary', () => approveDialog(appId, v)));
  if (can(v, 'reject')) {
    out.push(
      btn(t('Reject'), 'danger', () =>
        dialogAct(
          { title: t('Reject {name} ({code})', names), text: t('The developer sees the reason and uploads again.'), reason: t('Reason'), confirm: t('Reject'), danger: true, run: (reason) => api('POST', path('reject'), { reason }) },
          t('Version {name} rejected.', names),
        ),
      ),
    );
  }
  if (can(v, 'publish_gray')) {
    out.push(
      btn(t('Publish to gray'), '', () =>
        dialogAct(
          { title: t('Publish {name} ({code}) to gray only?', names), text: t('It is signed and sealed, but only users matched by a gray rule get it until it is promoted.'), confirm: t('Publish to gray'), run: () => api('POST', path('publish-gray')) },
          t('Version {name} published to gray.', names),
        ),
      ),
    );
  }
  if (can(v, 'publish')) {
    out.push(
      btn(t('Publish'), 'primary', () =>
        dialogAct(
          { title: t('Publish {name} ({code})?', names), text: t('It is signed, sealed for each host app and becomes the live version for everyone not matched by a gray rule.'), confirm: t('Publish'), run: () => api('POST', path('publish')) },
          t('Version {name} published.', names),
        ),
      ),
    );
  }
  if (can(v, 'promote')) {
    out.push(
      btn(t('Promote to live'), 'primary', () =>
        dialogAct(
          { title: t('Make {name} ({code}) the live version?', names), text: t('Everyone not matched by a gray rule gets it from their next launch.'), confirm: t('Promote'), run: () => api('POST', `/apps/${enc(appId)}/promote`, { version_code: v.code }) },
          t('{name} is live.', names),
        ),
      ),
    );
  }
  if (can(v, 'rollback')) {
    out.push(
      btn(t('Roll back to this'), '', () =>
        dialogAct(
          { title: t('Roll back to {name} ({code})?', names), text: t('It replaces the live version {live} at once.', { live: live ?? '' }), confirm: t('Roll back'), danger: true, run: () => api('POST', `/apps/${enc(appId)}/rollback`, { version_code: v.code }) },
          t('Rolled back to {name}.', names),
        ),
      ),
    );
  }
  return out;
}

// Approving: the report's findings are shown, a comment is required, and the sign-off names
// the report the reviewer saw (its digest).
async function approveDialog(appId, v0) {
  clearError();
  let v;
  try {
    v = await api('GET', `/apps/${enc(appId)}/versions/${enc(v0.code)}`);
  } catch (e) {
    showError(e);
    return;
  }
  const findings = (v.report && v.report.findings) || [];
  const content = h(
    'div',
    { class: 'approve-findings' },
    h('h4', {}, t('Findings you are signing off')),
    findingsList(findings),
    h('p', { class: 'muted small' }, t('Report digest'), ': ', h('code', { class: 'digest' }, v.report_digest || '—')),
  );
  const names = { name: v.name, code: v.code };
  await dialogAct(
    {
      title: t('Approve {name} ({code})', names),
      text: t('Your sign-off is recorded with the version and in the audit log: who, when, the report you saw (its digest and findings) and your comment.'),
      content,
      reason: t('Comment'),
      placeholder: t('What did you check, and why may it go out?'),
      required: t('A comment is required.'),
      confirm: t('Approve'),
      run: (comment) => api('POST', `/apps/${enc(appId)}/versions/${enc(v.code)}/approve`, { comment, report_digest: v.report_digest }),
    },
    t('Version {name} approved.', names),
  );
}

function findingsList(findings) {
  if (!findings.length) return h('p', { class: 'ok-text' }, t('No findings.'));
  return h(
    'ul',
    { class: 'findings' },
    findings.map((f) => h('li', { class: f.level, 'data-code': f.code }, badge(word(f.level), f.level === 'warn' ? 'warn' : 'info'), ' ', h('strong', {}, word(f.code)), ' ', h('code', { class: 'code' }, f.code), ' ', f.message)),
  );
}

// A version's state, with its channel (live, gray only) and rejection reason.
function versionState(v, app) {
  return [
    stateBadge(v.state),
    v.channel === 'live' || v.code === app.live_version ? [' ', badge(t('live'), app.taken_down ? 'muted' : 'good')] : null,
    v.channel === 'gray' ? [' ', badge(t('gray only'), 'warn')] : null,
    v.reason ? h('div', { class: 'reason' }, t('Reason: {reason}', { reason: v.reason })) : null,
  ];
}

async function versionsTab(app, code) {
  const id = app.app_id;
  const f = versionFilters.get(id) || { state: '', uploader: '', q: '', offset: 0 };
  versionFilters.set(id, f);
  const q = queryOf({ state: f.state, uploader: f.uploader, q: f.q, limit: PAGE, offset: f.offset });
  const { items: versions, total } = await apiPage(`/apps/${enc(id)}/versions?${q}`);
  const filtered = f.state || f.uploader || f.q;
  const rows = versions.length
    ? versions.map((v) =>
        h(
          'tr',
          { 'data-code': v.code, class: String(v.code) === String(code) ? 'selected' : '' },
          h('td', { class: 'num' }, v.code),
          h('td', {}, v.name),
          h('td', { class: 'state' }, versionState(v, app)),
          h('td', { class: 'note' }, v.note || ''),
          h('td', { class: 'num', title: t('Size (zipped)') }, fmtBytes(v.size)),
          h('td', {}, userRef(v.uploaded_by_name ?? v.uploaded_by)),
          timeCell(v.uploaded_at),
          h('td', { class: 'actions' }, h('a', { class: 'report-link', href: `#/apps/${enc(id)}/versions/${enc(v.code)}` }, t('Report')), versionActions(id, v, app.live_version, app.name)),
        ),
      )
    : [empty(8, filtered ? t('No versions match.') : t('No versions uploaded yet. Upload one with `cove upload`.'))];
  const again = () => render({ keepBanner: true });
  const stateSel = h(
    'select',
    { name: 'state', 'aria-label': t('State'), value: f.state, onchange: (e) => { f.state = e.target.value; f.offset = 0; again(); } },
    h('option', { value: '' }, t('All states')),
    Object.keys(STATE_KIND).map((st) => h('option', { value: st }, word(st))),
  );
  const uploader = h('input', { name: 'uploader', 'aria-label': t('Uploader'), placeholder: t('Uploader'), value: f.uploader });
  const text = h('input', { type: 'search', name: 'q', 'aria-label': t('Filter'), placeholder: t('Search name, note, code…'), value: f.q });
  const filters = h('form', { class: 'filters', id: 'version-filters' }, stateSel, uploader, text, h('button', { type: 'submit', class: 'small' }, t('Apply')));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    f.uploader = uploader.value.trim();
    f.q = text.value.trim();
    f.offset = 0;
    again();
  });
  const head = ['Code#', 'Name', 'State', 'Note', 'Size (zipped)#', 'Uploaded by', 'Uploaded', 'Actions'].map((x) => (x.endsWith('#') ? `${t(x.slice(0, -1))}#` : t(x)));
  const out = [
    filters,
    table(head, rows, { id: 'versions' }),
    pager(f.offset, PAGE, total, (o) => { f.offset = o; again(); }),
  ];
  if (code != null) out.push(await reportView(app, code));
  return out;
}

async function reportView(app, code) {
  const v = await api('GET', `/apps/${enc(app.app_id)}/versions/${enc(code)}`);
  const r = v.report;
  const head = h('h3', {}, `${t('Review report — {name} ({code})', { name: v.name, code: v.code })} `, versionState(v, app));
  if (!r) return h('section', { class: 'card report', id: 'report' }, head, h('p', { class: 'muted' }, t('No report for this version.')));

  const findings = findingsList(r.findings || []);

  const apis = Object.entries(r.apis || {}).sort((a, b) => Number(b[1].sensitive) - Number(a[1].sensitive) || a[0].localeCompare(b[0]));
  const apiRows = apis.length
    ? apis.map(([name, u]) =>
        h(
          'tr',
          { class: u.sensitive ? 'flag' : '' },
          h('td', {}, h('code', {}, `wx.${name}`)),
          h('td', {}, u.sensitive ? badge(t('sensitive'), 'warn') : '', u.indirect ? [' ', badge(t('indirect'), 'info')] : ''),
          h('td', { class: 'num', title: u.indirect ? t('{n} through an alias or a computed key', { n: u.indirect }) : null }, u.calls),
          h('td', { class: 'files' }, [...(u.files || [])].join(', ')),
        ),
      )
    : [empty(4, t('No wx APIs called.'))];

  const whitelist = app.domains || {};
  const referenced = new Set();
  const domRows = (r.domains || []).length
    ? r.domains.map((d) => {
        referenced.add(d.host.toLowerCase());
        const insecure = d.scheme === 'http' || d.scheme === 'ws';
        const missing = !d.whitelisted_in || d.whitelisted_in.length === 0;
        return h(
          'tr',
          { class: missing || insecure ? 'violation' : '' },
          h('td', {}, h('code', {}, `${d.scheme}://${d.host}`)),
          h('td', {}, missing ? badge(t('not whitelisted'), 'bad') : d.whitelisted_in.map((l) => badge(l, 'good'))),
          h('td', {}, insecure ? badge(t('insecure scheme'), 'bad') : ''),
          h('td', { class: 'files' }, [...(d.files || [])].join(', ')),
        );
      })
    : [empty(4, t('No domains referenced.'))];
  const unused = [];
  for (const [kind, hosts] of Object.entries(whitelist)) {
    for (const host of hosts || []) if (!referenced.has(String(host).toLowerCase())) unused.push(`${host} (${kind})`);
  }

  const partLimit = 2 * 1024 * 1024;
  const totalLimit = 20 * 1024 * 1024;
  const sizeRows = (r.sizes || []).map((p) =>
    h(
      'tr',
      { class: p.bytes > partLimit ? 'violation' : '' },
      h('td', {}, p.part === 'main' ? t('main package') : h('code', {}, p.part)),
      h('td', { class: 'num' }, p.files),
      h('td', { class: 'num' }, fmtBytes(p.bytes)),
      h('td', {}, meter(p.bytes, partLimit, '2 MB')),
    ),
  );
  sizeRows.push(
    h(
      'tr',
      { class: `total ${r.total_bytes > totalLimit ? 'violation' : ''}` },
      h('td', {}, t('total')),
      h('td', { class: 'num' }, (r.sizes || []).reduce((n, p) => n + (p.files || 0), 0)),
      h('td', { class: 'num' }, fmtBytes(r.total_bytes)),
      h('td', {}, meter(r.total_bytes, totalLimit, '20 MB')),
    ),
  );

  const npmRows = (r.npm || []).length
    ? r.npm.map((m) => h('tr', {}, h('td', {}, h('code', {}, m.name)), h('td', { class: 'num' }, m.files), h('td', { class: 'num' }, fmtBytes(m.bytes))))
    : [empty(3, t('No npm modules.'))];

  // Reports made before the manual-review section have no `manual_review`.
  const review = r.manual_review || [];
  const reviewRows = review.length
    ? review.map((i) =>
        h(
          'tr',
          { class: 'flag', 'data-code': i.code },
          h('td', { class: 'files' }, h('code', {}, `${i.file}:${i.line}:${i.column}`)),
          h('td', {}, codeWord(i.code)),
          h('td', {}, i.reason),
          h('td', {}, h('code', { class: 'snippet' }, i.snippet)),
        ),
      )
    : [empty(4, t('Nothing needs manual review.'))];

  const scopes = [...(r.scopes || [])];
  const th = (...xs) => xs.map((x) => (x.endsWith('#') ? `${t(x.slice(0, -1))}#` : t(x)));
  return h(
    'section',
    { class: 'card report', id: 'report' },
    head,
    h('p', { class: 'muted' }, t('Uploaded by {who} at {when}', { who: userRef(v.uploaded_by_name ?? v.uploaded_by), when: fmtTime(v.uploaded_at) }), v.note ? ` — ${v.note}` : ''),
    v.signoff ? signoffView(v.signoff) : null,
    (v.warnings || []).length ? h('ul', { class: 'findings' }, v.warnings.map((w) => h('li', { class: 'warn' }, badge('upload', 'warn'), ' ', w))) : null,
    h('h4', {}, t('Findings')),
    findings,
    h('h4', { id: 'report-review-title' }, t('Needs manual review ({n})', { n: review.length })),
    review.length ? h('p', { class: 'muted' }, t('These places reach wx, the global object or code built from strings in ways the analysis cannot follow, or name hosts on no whitelist. Read each one before approving.')) : null,
    table(th('Where', 'What', 'Why', 'Code'), reviewRows, { id: 'report-review' }),
    h('h4', {}, t('wx APIs ({n}, {s} sensitive)', { n: apis.length, s: apis.filter(([, u]) => u.sensitive).length })),
    table(th('API', '', 'Calls#', 'Files'), apiRows, { id: 'report-apis' }),
    h('h4', {}, t('Domains referenced vs whitelist')),
    table(th('Domain', 'Whitelisted in', 'Scheme', 'Files'), domRows, { id: 'report-domains' }),
    unused.length ? h('p', { class: 'muted' }, t('Whitelisted but not referenced: {list}', { list: unused.join(', ') })) : null,
    h('h4', {}, t('Permission scopes')),
    scopes.length ? h('ul', { class: 'chips', id: 'report-scopes' }, scopes.map((x) => h('li', {}, h('code', {}, x)))) : h('p', { class: 'muted' }, t('No scopes.')),
    h('h4', {}, t('Size')),
    table(th('Part', 'Files#', 'Size (unpacked)#', 'Against the limit'), sizeRows, { id: 'report-sizes' }),
    h('h4', {}, t('npm modules')),
    table(th('Module', 'Files#', 'Size (unpacked)#'), npmRows, { id: 'report-npm' }),
    h('h4', {}, t('Diff against the live version')),
    diffView(r.diff, app.live_version),
  );
}

// Who approved the version, when, what they saw and what they said.
function signoffView(so) {
  const f = so.findings || {};
  return h(
    'div',
    { class: 'signoff', id: 'signoff' },
    h('h4', {}, t('Sign-off')),
    h('p', { class: 'who' }, t('Approved by {who} at {when}', { who: so.username, when: fmtTime(so.at) })),
    h('blockquote', { class: 'comment' }, so.comment),
    h('p', { class: 'muted' }, t('Findings seen: {warn} warnings, {info} notes', { warn: f.warn ?? 0, info: f.info ?? 0 }), (f.codes || []).length ? [' — ', (f.codes || []).map((c, i) => [i ? ', ' : '', word(c)])] : null),
    h('p', { class: 'muted' }, t('Report digest'), ': ', h('code', { class: 'digest' }, so.report_digest)),
  );
}

// A bar against a limit, as SVG (inline styles are not allowed).
function meter(value, limit, label) {
  const share = Math.min(1, (value || 0) / limit);
  const over = value > limit;
  return h(
    'span',
    { class: 'meter' },
    s(
      'svg',
      { width: 160, height: 10, viewBox: '0 0 160 10', role: 'img', 'aria-label': t('{pct} of {limit}', { pct: fmtRate(value / limit), limit: label }) },
      s('rect', { x: 0, y: 0, width: 160, height: 10, rx: 3, class: 'meter-bg' }),
      s('rect', { x: 0, y: 0, width: Math.max(1, Math.round(share * 160)), height: 10, rx: 3, class: over ? 'meter-over' : share > 0.8 ? 'meter-high' : 'meter-fill' }),
    ),
    ` ${t('{pct} of {limit}', { pct: fmtRate(value / limit), limit: label })}`,
  );
}

function diffView(diff, live) {
  if (diff == null) return h('p', { class: 'muted', id: 'report-diff' }, t('No diff: nothing was live to compare against.'));
  if (!diff.length) return h('p', { class: 'muted', id: 'report-diff' }, t('No change against the live version {live}.', { live: live ?? '' }));
  const added = diff.reduce((n, f) => n + f.added, 0);
  const removed = diff.reduce((n, f) => n + f.removed, 0);
  return h(
    'div',
    { id: 'report-diff', class: 'diff' },
    h('p', {}, t('{n} files changed against live version {live}: ', { n: diff.length, live: live ?? '' }), h('span', { class: 'add' }, `+${added}`), ' ', h('span', { class: 'del' }, `−${removed}`)),
    diff.map((f) =>
      h(
        'details',
        { class: 'file', open: diff.length <= 5 },
        h('summary', {}, badge(f.status, f.status === 'added' ? 'good' : f.status === 'removed' ? 'bad' : 'info'), ' ', h('code', {}, f.path), ' ', h('span', { class: 'add' }, `+${f.added}`), ' ', h('span', { class: 'del' }, `−${f.removed}`)),
        h(
          'pre',
          { class: 'patch' },
          (f.patch || '').split('\n').map((line) => {
            const cls = line.startsWith('@@')
              ? 'hunk'
              : line.startsWith('+++') || line.startsWith('---')
                ? 'meta'
                : line.startsWith('+')
                  ? 'add'
                  : line.startsWith('-')
                    ? 'del'
                    : '';
            return h('span', { class: `line ${cls}` }, `${line}\n`);
          }),
        ),
      ),
    ),
  );
}

// --- Gray release -------------------------------------------------------------------------

const KINDS = {
  users: 'User ids',
  percent: 'Percentage',
  host_version: 'Host version',
  platforms: 'Platforms',
  tags: 'Tags',
  window: 'Time window',
};

function newCondition(kind) {
  switch (kind) {
    case 'users':
      return { kind, ids: [] };
    case 'percent':
      return { kind, percent: 10 };
    case 'host_version':
      return { kind, min: null, max: null };
    case 'platforms':
      return { kind, any: [] };
    case 'tags':
      return { kind, any: [] };
    default:
      return { kind: 'window', from: null, until: null };
  }
}

function toLocalInput(when) {
  if (when == null) return '';
  const d = new Date(when * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(v) {
  if (!v) return null;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

async function grayTab(app) {
  const id = app.app_id;
  const [versions, hosts] = await Promise.all([
    api('GET', `/apps/${enc(id)}/versions?limit=500`),
    // Host apps are for the operator organisation; the explain form works without them.
    capable('manage_hosts') ? api('GET', '/hosts').catch(() => []) : [],
  ]);
  versions.sort((a, b) => b.code - a.code);
  // The editor works on a copy; Save sends it whole.
  const rules = structuredClone((app.release && app.release.rules) || []);
  const box = h('div', { id: 'rules' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const condEditor = (rule, c, i) => {
    const set = (k, v) => {
      c[k] = v;
    };
    let inputs;
    if (c.kind === 'users') {
      inputs = [field(t('User ids'), h('textarea', { rows: 2, value: (c.ids || []).join('\n'), oninput: (e) => set('ids', list(e.target.value)) }), t('one per line or comma-separated'))];
    } else if (c.kind === 'percent') {
      inputs = [field('Percent', h('input', { type: 'number', min: 0, max: 100, step: 0.01, value: c.percent, oninput: (e) => set('percent', Number(e.target.value)) }), 'stable per user')];
    } else if (c.kind === 'host_version') {
      inputs = [
        field('Min', h('input', { value: c.min || '', placeholder: '3.10.0', oninput: (e) => set('min', e.target.value.trim() || null) })),
        field('Max', h('input', { value: c.max || '', placeholder: '4', oninput: (e) => set('max', e.target.value.trim() || null) })),
      ];
    } else if (c.kind === 'platforms' || c.kind === 'tags') {
      inputs = [field(c.kind === 'tags' ? 'Any of the tags' : 'Any of the platforms', h('input', { value: (c.any || []).join(', '), placeholder: c.kind === 'tags' ? 'staff, beta' : 'ios, android, harmony', oninput: (e) => set('any', list(e.target.value)) }))];
    } else {
      inputs = [
        field('From', h('input', { type: 'datetime-local', value: toLocalInput(c.from), oninput: (e) => set('from', fromLocalInput(e.target.value)) })),
        field('Until', h('input', { type: 'datetime-local', value: toLocalInput(c.until), oninput: (e) => set('until', fromLocalInput(e.target.value)) })),
      ];
    }
    return h(
      'div',
      { class: 'cond' },
      h('span', { class: 'kind' }, t(KINDS[c.kind] || c.kind)),
      inputs,
      h('button', { type: 'button', class: 'ghost small', title: 'Remove condition', onclick: () => { rule.conditions.splice(i, 1); draw(); } }, t('Remove')),
    );
  };

  const draw = () => {
    box.replaceChildren(
      ...(rules.length
        ? rules.map((rule, i) => {
            const kind = h('select', { 'aria-label': t('Condition kind') }, Object.entries(KINDS).map(([k, l]) => h('option', { value: k }, t(l))));
            return h(
              'div',
              { class: 'rule card', 'data-rule': rule.id },
              h(
                'div',
                { class: 'rule-head' },
                h('span', { class: 'order' }, `#${i + 1}`),
                field(t('Rule id'), h('input', { value: rule.id, required: true, oninput: (e) => { rule.id = e.target.value.trim(); } })),
                field(
                  t('Serves version'),
                  h(
                    'select',
                    { value: String(rule.version_code), onchange: (e) => { rule.version_code = Number(e.target.value); } },
                    versions.some((v) => v.code === rule.version_code) ? null : h('option', { value: String(rule.version_code) }, `${rule.version_code} (unknown)`),
                    versions.map((v) => h('option', { value: String(v.code) }, `${v.code} — ${v.name} (${word(v.state)}${v.channel === 'gray' ? `, ${t('gray only')}` : ''})`)),
                  ),
                ),
                h(
                  'span',
                  { class: 'buttons' },
                  h('button', { type: 'button', class: 'ghost small', disabled: i === 0, title: 'Earlier', onclick: () => { rules.splice(i - 1, 0, rules.splice(i, 1)[0]); draw(); } }, '↑'),
                  h('button', { type: 'button', class: 'ghost small', disabled: i === rules.length - 1, title: 'Later', onclick: () => { rules.splice(i + 1, 0, rules.splice(i, 1)[0]); draw(); } }, '↓'),
                  h('button', { type: 'button', class: 'ghost small', onclick: () => { rules.splice(i, 1); draw(); } }, t('Delete rule')),
                ),
              ),
              rule.conditions.length ? rule.conditions.map((c, j) => condEditor(rule, c, j)) : h('p', { class: 'muted' }, t('No conditions: this rule matches everyone.')),
              h('div', { class: 'add-cond' }, kind, h('button', { type: 'button', class: 'small', onclick: () => { rule.conditions.push(newCondition(kind.value)); draw(); } }, t('Add condition'))),
            );
          })
        : [h('p', { class: 'muted' }, t('No gray rules: everyone gets the live version.'))]),
    );
  };
  draw();

  const save = h('button', { type: 'button', class: 'primary', id: 'save-rules' }, t('Save rules'));
  save.addEventListener('click', () => {
    err.hidden = true;
    const ids = rules.map((r) => r.id);
    const bad = ids.find((x, i) => !x || ids.indexOf(x) !== i);
    if (bad !== undefined) {
      err.textContent = bad ? `Rule id ${bad} is used twice.` : 'Every rule needs an id.';
      err.hidden = false;
      return;
    }
    act(save, () => api('PUT', `/apps/${enc(id)}/release`, { rules }), t('Gray rules saved.'));
  });
  const addRule = h('button', {
    type: 'button',
    onclick: () => {
      let n = rules.length + 1;
      while (rules.some((r) => r.id === `rule-${n}`)) n += 1;
      const latest = versions[0];
      rules.push({ id: `rule-${n}`, version_code: latest ? latest.code : app.live_version || 0, conditions: [newCondition('percent')] });
      draw();
    },
  }, t('Add rule'));

  // Only those who may publish change the rules; others read them.
  const editable = can(app, 'edit_rules');
  if (!editable) {
    for (const el of box.querySelectorAll('input, select, textarea, button')) el.disabled = true;
  }
  return [
    section(
      t('Gray rules'),
      h('p', { class: 'muted' }, t('Rules are tried in order; the first whose conditions all hold decides. Otherwise the live version ({live}) is served.', { live: app.live_version ?? t('none') })),
      box,
      err,
      editable ? h('div', { class: 'actions' }, addRule, save) : null,
    ),
    explainForm(app, hosts),
  ];
}

function explainForm(app, hosts) {
  const user = h('input', { name: 'user_id', required: true, placeholder: 'u123' });
  const host = hosts.length
    ? h('select', { name: 'host' }, h('option', { value: '' }, t('(any host app)')), hosts.map((x) => h('option', { value: x.id }, x.name)))
    : h('input', { name: 'host', placeholder: 'host app id (optional)' });
  const hv = h('input', { name: 'host_version', placeholder: '3.12.0' });
  const platform = h('select', { name: 'platform' }, ['android', 'ios', 'harmony', 'windows', 'macos'].map((p) => h('option', { value: p }, p)));
  const tags = h('input', { name: 'tags', placeholder: 'staff, beta' });
  const at = h('input', { name: 'at', type: 'datetime-local' });
  const out = h('div', { id: 'explain-result', 'aria-live': 'polite' });
  const go = h('button', { type: 'submit', class: 'primary' }, t('Explain'));
  const form = h('form', { class: 'grid', id: 'explain' }, field(t('User id'), user), field(t('Host app'), host), field(t('Host version'), hv), field(t('Platform'), platform), field(t('Tags'), tags), field(t('At'), at, t('now if empty')), h('div', { class: 'actions' }, go));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ user_id: user.value.trim(), platform: platform.value });
    if (host.value) q.set('host', host.value);
    if (hv.value.trim()) q.set('host_version', hv.value.trim());
    const tagList = list(tags.value);
    if (tagList.length) q.set('tags', tagList.join(','));
    const when = fromLocalInput(at.value);
    if (when != null) q.set('at', String(when));
    go.disabled = true;
    try {
      const d = await api('GET', `/apps/${enc(app.app_id)}/explain?${q}`);
      // With a host app, the answer is that host's: a mini-program it cannot load gets nothing.
      const onHost = d.host ? t('On host app {name}: ', { name: d.host.name }) : '';
      const why =
        d.version_code != null
          ? d.rule
            ? [t(' by rule '), h('code', {}, d.rule)]
            : t(' (the live version: no rule matched)')
          : d.outcome && d.outcome !== 'no_version' && d.outcome !== 'decided'
            ? [word(d.outcome), ' ', h('code', { class: 'code' }, d.outcome)]
            : t('nothing is live and no rule matched.');
      out.replaceChildren(
        h(
          'p',
          { class: 'decision', 'data-outcome': d.outcome || '' },
          onHost,
          d.version_code == null ? h('strong', {}, t('No version: ')) : h('strong', {}, t('Version {code}', { code: d.version_code })),
          why,
        ),
        h('ol', { class: 'trace' }, (d.trace || []).map((line) => h('li', {}, line))),
      );
    } catch (x) {
      out.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errText(x)));
    } finally {
      go.disabled = false;
    }
  });
  return section(t('Explain: which version does a user get, and why?'), form, out);
}

// --- Domains --------------------------------------------------------------------------------

const DOMAIN_LISTS = ['request', 'socket', 'upload', 'download', 'webview'];

// The web-view list is `webview` in the API contract and `web_view` in the report's Domains;
// read either and write back the key the server used.
function domainKey(domains, kind) {
  if (kind !== 'webview') return kind;
  return domains && 'web_view' in domains && !('webview' in domains) ? 'web_view' : 'webview';
}

function domainsTab(app) {
  const id = app.app_id;
  const cur = app.domains || {};
  const areas = {};
  const lists = DOMAIN_LISTS.map((kind) => {
    const key = domainKey(cur, kind);
    areas[kind] = h('textarea', { name: kind, rows: 5, spellcheck: 'false', value: (cur[key] || []).join('\n') });
    return field(kind === 'webview' ? 'web-view' : kind, areas[kind], t('one host per line'));
  });
  const save = h('button', { type: 'submit', class: 'primary' }, t('Propose change'));
  const form = h('form', { id: 'domains-form' }, h('div', { class: 'lists' }, lists), h('div', { class: 'actions' }, save));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const domains = {};
    for (const kind of DOMAIN_LISTS) domains[domainKey(cur, kind)] = list(areas[kind].value);
    act(save, () => api('PUT', `/apps/${enc(id)}/domains`, { domains }), t('Domain change proposed: it needs approval.'));
  });

  const out = [];
  const p = app.pending_domains;
  if (p) {
    const rows = DOMAIN_LISTS.map((kind) => {
      const before = new Set(cur[domainKey(cur, kind)] || []);
      const after = new Set((p.domains || {})[domainKey(p.domains, kind)] || []);
      const added = [...after].filter((x) => !before.has(x));
      const removed = [...before].filter((x) => !after.has(x));
      return h(
        'tr',
        {},
        h('td', {}, kind === 'webview' ? 'web-view' : kind),
        h('td', {}, added.length ? added.map((x) => h('div', { class: 'add' }, `+ ${x}`)) : h('span', { class: 'muted' }, '—')),
        h('td', {}, removed.length ? removed.map((x) => h('div', { class: 'del' }, `− ${x}`)) : h('span', { class: 'muted' }, '—')),
      );
    });
    out.push(
      h(
        'section',
        { class: 'card pending', id: 'pending-domains' },
        h('h3', {}, t('Pending whitelist change '), badge(t('needs approval'), 'warn')),
        h('p', { class: 'muted' }, t('Proposed by {who} at {when}', { who: userRef(p.by ?? p.proposed_by), when: fmtTime(p.at ?? p.proposed_at) })),
        table([t('List'), t('Added'), t('Removed')], rows),
        can(app, 'review_domains') && h(
          'div',
          { class: 'actions' },
          h('button', {
            type: 'button',
            class: 'danger',
            onclick: () =>
              dialogAct(
                { title: t('Reject the whitelist change'), reason: t('Reason'), confirm: t('Reject'), danger: true, run: (reason) => api('POST', `/apps/${enc(id)}/domains/reject`, { reason }) },
                t('Whitelist change rejected.'),
              ),
          }, t('Reject')),
          h('button', {
            type: 'button',
            class: 'primary',
            onclick: (e) => act(e.currentTarget, () => api('POST', `/apps/${enc(id)}/domains/approve`), t('Whitelist change approved.')),
          }, t('Approve')),
        ),
      ),
    );
  }
  if (!can(app, 'propose_domains')) {
    for (const el of form.querySelectorAll('textarea')) el.readOnly = true;
    save.remove();
  }
  out.push(section(t('Domain whitelists'), h('p', { class: 'muted' }, t('Containers let the mini-program reach only these hosts. A change takes effect once another person approves it.')), form));
  return out;
}

// --- Statistics -----------------------------------------------------------------------------

async function statsTab(app) {
  const days = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('days')) || 14;
  const st = await api('GET', `/apps/${enc(app.app_id)}/stats?days=${days}`);
  const series = st.days || [];
  // Users over the period are counted once each by the server: adding the days' counts would
  // count someone active on three days three times.
  const total = (k) => (k === 'users' && st.users != null ? st.users : series.reduce((n, d) => n + (d[k] || 0), 0));
  const chart = (key, title, cls) =>
    h(
      'figure',
      { class: 'chart', id: `chart-${key}` },
      h('figcaption', { title: key === 'users' ? t('distinct users over the period') : null }, t('{title} — {total} in {days} days', { title: t(title), total: fmtNum(total(key)), days: series.length })),
      lineChart(series, key, cls),
    );

  // The contract's names, or stats.rs's Summary as it serialises.
  const top = st.top_failing_apis || st.failing_apis || [];
  const recent = st.recent_errors || [];
  const versions = st.versions || [];
  const releases = st.data_releases || [];
  const range = h(
    'select',
    { 'aria-label': t('Days'), value: String(days), onchange: (e) => { location.hash = `#/apps/${enc(app.app_id)}/stats?days=${e.target.value}`; } },
    [7, 14, 30, 90].map((n) => h('option', { value: String(n) }, t('last {n} days', { n }))),
  );
  return [
    h('div', { class: 'toolbar' }, range),
    h(
      'div',
      { class: 'charts' },
      chart('launches', 'Launches', 'c1'),
      chart('users', 'Users', 'c2'),
      chart('errors', 'Errors', 'c3'),
    ),
    versions.length ? section(t('By version'), genericTable(versions, 'stats-versions')) : null,
    section(
      t('Top failing APIs'),
      table(
        [t('API'), `${t('Calls')}#`, `${t('Failures')}#`, `${t('Failure rate')}#`, t('Last error')],
        top.length
          ? top.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, a.api)),
                h('td', { class: 'num' }, fmtNum(a.calls)),
                h('td', { class: 'num' }, fmtNum(a.failures)),
                h('td', { class: 'num' }, fmtRate(a.rate ?? a.failure_rate)),
                h('td', { class: 'message' }, a.last_error || ''),
              ),
            )
          : [empty(5, t('No failing API calls.'))],
        { id: 'top-failing' },
      ),
    ),
    section(
      t('Recent errors'),
      table(
        [t('Message'), `${t('Version')}#`, `${t('Count')}#`, t('Last seen')],
        recent.length
          ? recent.map((x) =>
              h(
                'tr',
                {},
                h('td', { class: 'message' }, x.stack ? h('details', {}, h('summary', {}, x.message), h('pre', {}, x.stack)) : x.message),
                h('td', { class: 'num' }, x.version_code ?? '—'),
                h('td', { class: 'num' }, fmtNum(x.count)),
                timeCell(x.last_at ?? (x.last_at_ms != null ? x.last_at_ms / 1000 : null)),
              ),
            )
          : [empty(4, t('No errors reported.'))],
        { id: 'recent-errors' },
      ),
    ),
    section(
      t('Personal data released'),
      table(
        [t('API'), t('Data'), `${t('Releases')}#`, `${t('Reduced by policy')}#`],
        releases.length
          ? releases.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, r.api)),
                h('td', {}, r.data),
                h('td', { class: 'num' }, fmtNum(r.releases)),
                h('td', { class: 'num' }, fmtNum(r.reduced)),
              ),
            )
          : [empty(4, t('No personal data released.'))],
        { id: 'data-releases' },
      ),
    ),
  ];
}

// A table of whatever objects the server sends (the per-version breakdown).
function genericTable(rows, idAttr) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return table(
    cols.map((c) => `${c.replace(/_/g, ' ')}${rows.every((r) => typeof r[c] === 'number' || r[c] == null) ? '#' : ''}`),
    rows.map((r) => h('tr', {}, cols.map((c) => h('td', { class: typeof r[c] === 'number' ? 'num' : '' }, r[c] == null ? '—' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]))))),
    { id: idAttr },
  );
}

// A day as `date` (YYYY-MM-DD), a day number since 1970 (stats.rs), or Unix seconds.
function dayLabel(d0) {
  const day = d0.date ?? d0.day;
  if (typeof day === 'number' && day < 1e6) return new Date(day * 86400000).toISOString().slice(5, 10);
  if (typeof day === 'number') {
    const d = new Date(day * 1000);
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }
  const m = /^\d{4}-(\d\d-\d\d)/.exec(String(day));
  return m ? m[1] : String(day);
}

// A line chart with points, drawn as SVG: y from 0 to a rounded maximum.
function lineChart(series, key, cls) {
  const W = 360;
  const H = 160;
  const L = 40;
  const R = 10;
  const T = 10;
  const B = 24;
  const values = series.map((d) => Number(d[key]) || 0);
  const max = niceMax(Math.max(0, ...values));
  const x = (i) => L + (series.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (series.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: `line ${cls}`, role: 'img', 'aria-label': `${key} per day` });
  for (const tick of [0, max / 2, max]) {
    svg.append(
      s('line', { x1: L, x2: W - R, y1: y(tick), y2: y(tick), class: 'gridline' }),
      s('text', { x: L - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'tick' }, fmtNum(tick)),
    );
  }
  if (!series.length) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'tick' }, 'no data'));
    return svg;
  }
  const labels = new Set([0, Math.floor((series.length - 1) / 2), series.length - 1]);
  for (const i of labels) {
    // The end labels lean inwards so that they are not clipped.
    const anchor = series.length > 1 && i === 0 ? 'start' : series.length > 1 && i === series.length - 1 ? 'end' : 'middle';
    svg.append(s('text', { x: x(i), y: H - 6, 'text-anchor': anchor, class: 'tick' }, dayLabel(series[i])));
  }
  const pts = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  svg.append(
    s('polygon', { points: `${x(0)},${y(0)} ${pts.join(' ')} ${x(values.length - 1)},${y(0)}`, class: 'area' }),
    s('polyline', { points: pts.join(' '), class: 'stroke' }),
  );
  values.forEach((v, i) => {
    const label = series[i].date ?? series[i].day;
    svg.append(s('circle', { cx: x(i), cy: y(v), r: 3, class: 'dot', 'data-day': label, 'data-value': v }, s('title', {}, `${label}: ${fmtNum(v)} ${key}`)));
  });
  return svg;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// ---------------------------------------------------------------------------------------
// Account: one's own password, and API tokens (for the CLI and CI).

const SCOPES = [
  ['full', 'Full: everything you may do yourself'],
  ['read', 'Read: mini-programs, versions, reports, statistics, the audit log'],
  ['upload', 'Upload: upload a version and submit it (CI)'],
];
let createdToken = null;

async function accountView() {
  const tokens = await api('GET', '/tokens');
  document.title = `${t('Account')} · Cove`;
  const out = [h('div', { class: 'title' }, h('h2', {}, t('Account')), h('span', { class: 'muted' }, state.user.username))];

  // Own password: the session in use survives the change, the others end.
  const current = h('input', { name: 'current', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { name: 'new', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const again = h('input', { name: 'again', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const change = h('button', { type: 'submit', class: 'primary' }, t('Change password'));
  const pwForm = h(
    'form',
    { class: 'grid', id: 'own-password' },
    field(t('Current password'), current),
    field(t('New password'), next, t('At least 12 characters.')),
    field(t('Repeat new password'), again),
    err,
    h('div', { class: 'actions' }, change),
  );
  pwForm.addEventListener('submit', (e) => {
    e.preventDefault();
    err.hidden = true;
    if (next.value !== again.value) {
      err.textContent = t('The two new passwords differ.');
      err.hidden = false;
      return;
    }
    act(change, () => api('PUT', '/session/password', { current: current.value, new: next.value }), t('Password changed. Your other sessions were signed out.'));
  });
  out.push(section(t('Change password'), pwForm));

  const parts = [];
  if (createdToken) {
    // The secret exists only in the creating response: shown once, then forgotten.
    const c = createdToken;
    createdToken = null;
    parts.push(
      h(
        'div',
        { class: 'card secret', id: 'token-secret', role: 'status' },
        h('h3', {}, t('Token {name} created', { name: c.name })),
        h('p', {}, h('code', { id: 'new-token' }, c.token)),
        h('p', { class: 'warn-text' }, t('Copy it now: this is the only time it is shown. Use it as COVE_TOKEN (or Authorization: Bearer …).')),
      ),
    );
  }
  const rows = tokens.length
    ? tokens.map((k) => {
        const revoke = h('button', { type: 'button', class: 'danger small' }, t('Revoke'));
        revoke.addEventListener('click', () =>
          dialogAct(
            {
              title: t('Revoke token {name}?', { name: k.name }),
              text: t('Whatever uses it (a CI job, a script) is refused from now on.'),
              confirm: t('Revoke'),
              danger: true,
              run: () => api('DELETE', `/tokens/${enc(k.id)}`),
            },
            t('Token revoked.'),
          ),
        );
        return h(
          'tr',
          { 'data-token': k.id },
          h('td', { class: 'name' }, k.name),
          h('td', { class: 'scope' }, word(k.scope)),
          timeCell(k.created_at),
          timeCell(k.expires_at),
          k.last_used_at == null ? h('td', { class: 'muted' }, t('never')) : timeCell(k.last_used_at),
          h('td', { class: 'actions' }, revoke),
        );
      })
    : [empty(6, t('No API tokens.'))];
  parts.push(table(['Name', 'Scope', 'Created', 'Expires', 'Last used', 'Actions'].map((x) => t(x)), rows, { id: 'tokens' }));

  const name = h('input', { name: 'name', required: true, maxlength: 64, placeholder: 'ci-upload' });
  const scope = h('select', { name: 'scope', value: 'upload' }, SCOPES.map(([v, label]) => h('option', { value: v }, t(label))));
  const days = h('input', { name: 'expires_days', type: 'number', min: 1, max: 365, value: 90, required: true });
  const create = h('button', { type: 'submit', class: 'primary' }, t('Create token'));
  const tokenForm = h(
    'form',
    { class: 'grid', id: 'new-token-form' },
    field(t('Name'), name),
    field(t('Scope'), scope, t('A token never does more than you may.')),
    field(t('Expires in (days)'), days, t('1 to 365.')),
    h('div', { class: 'actions' }, create),
  );
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(create, async () => {
      createdToken = await api('POST', '/tokens', { name: name.value.trim(), scope: scope.value, expires_days: Number(days.value) });
    }, null);
  });
  parts.push(h('h4', {}, t('New token')), tokenForm);
  out.push(section(t('API tokens'), h('p', { class: 'muted' }, t('For the CLI and CI (cove upload --token, COVE_TOKEN).')), parts));
  return h('div', { id: 'account' }, out);
}

// ---------------------------------------------------------------------------------------
// Users of an organisation (admins): create, disable, enable, reset, approve.

function userState(u) {
  const out = [u.disabled ? badge(t('disabled'), 'bad') : badge(t('active'), 'good')];
  if (u.must_change_password) out.push(' ', badge(t('must change password'), 'warn'));
  if (u.pending_roles) out.push(' ', badge(t('pending approval: {roles}', { roles: u.pending_roles.map((r) => word(r)).join(', ') }), 'warn'));
  return out;
}

function resetDialog(u) {
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 12, required: true });
  return dialogAct(
    {
      title: t('Reset the password of {name}?', { name: u.username }),
      text: t('They sign in with this one-time password and must change it at once.'),
      content: field(t('One-time password'), pw, t('At least 12 characters.')),
      confirm: t('Reset password'),
      danger: true,
      run: () => {
        if (pw.value.length < 12) throw new Error(t('At least 12 characters.'));
        return api('PUT', `/users/${u.id}/password`, { password: pw.value });
      },
    },
    t('Password of {name} reset.', { name: u.username }),
  );
}

function userActions(u) {
  // Nobody manages their own account here (the server refuses it too).
  if (u.id === state.user.id) return h('span', { class: 'muted' }, t('you'));
  const out = [];
  const button = (label, cls, onclick) => h('button', { type: 'button', class: `${cls} small`, onclick }, label);
  if (u.pending_roles && u.pending_by !== state.user.id) {
    out.push(button(t('Approve'), 'primary', (e) => act(e.currentTarget, () => api('POST', `/users/${u.id}/approve`), t('Roles of {name} approved.', { name: u.username }))));
  }
  if (u.disabled) {
    out.push(button(t('Enable'), 'ghost', (e) => act(e.currentTarget, () => api('POST', `/users/${u.id}/enable`), t('{name} enabled.', { name: u.username }))));
  } else {
    out.push(
      button(t('Disable'), 'danger', () =>
        dialogAct(
          {
            title: t('Disable {name}?', { name: u.username }),
            text: t('Their sessions and API tokens stop working until the account is enabled again.'),
            confirm: t('Disable'),
            danger: true,
            run: () => api('POST', `/users/${u.id}/disable`),
          },
          t('{name} disabled.', { name: u.username }),
        ),
      ),
    );
  }
  out.push(button(t('Reset password'), 'ghost', () => resetDialog(u)));
  return out.flatMap((b) => [b, ' ']);
}

// #/users/{org}: the organisation is in the route, so a reload stays on it.
async function usersView(route) {
  const orgs = await api('GET', '/orgs');
  document.title = `${t('Users|accounts')} · Cove`;
  let usersOrg = Number(route.id);
  if (!orgs.some((o) => o.id === usersOrg)) usersOrg = (orgs.find((o) => o.id === state.user.org_id) || orgs[0] || {}).id ?? null;
  const org = orgs.find((o) => o.id === usersOrg);
  const picker = h(
    'select',
    { id: 'users-org', 'aria-label': t('Organisation'), value: usersOrg == null ? '' : String(usersOrg) },
    orgs.map((o) => h('option', { value: String(o.id) }, o.operator ? `${o.name} (${t('operator org')})` : o.name)),
  );
  picker.addEventListener('change', () => {
    location.hash = `#/users/${picker.value}`;
  });
  const out = [h('div', { class: 'title' }, h('h2', {}, t('Users|accounts')), field(t('Organisation'), picker))];
  if (!org) return h('div', {}, out, h('p', { class: 'muted' }, t('No organisation.')));
  const users = await api('GET', `/orgs/${org.id}/users`);
  const rows = users.length
    ? users.map((u) =>
        h(
          'tr',
          { 'data-user': u.id },
          h('td', { class: 'name' }, u.username),
          h('td', { class: 'roles' }, rolesOf(u) || '—'),
          h('td', { class: 'state' }, userState(u)),
          h('td', { class: 'actions' }, userActions(u)),
        ),
      )
    : [empty(4, t('No users yet.'))];
  out.push(table(['User', 'Roles', 'State', 'Actions'].map((x) => t(x)), rows, { id: 'users' }));

  // Review and operations are the operator's duties: a partner's users are not offered them.
  const offered = org.operator ? ['admin', 'reviewer', 'developer', 'operator', 'read_only'] : ['admin', 'developer', 'read_only'];
  const name = h('input', { name: 'username', required: true, maxlength: 64, autocomplete: 'off' });
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 12 });
  const roles = offered.map((r) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'roles', value: r, checked: r === 'developer' }), word(r)));
  const go = h('button', { type: 'submit', class: 'primary' }, t('Create user'));
  const form = h(
    'form',
    { class: 'grid', id: 'new-user' },
    field(t('Username'), name),
    field(t('One-time password'), pw, t('At least 12 characters; they must change it at first sign-in.')),
    h('fieldset', {}, h('legend', {}, t('Roles')), roles, h('small', { class: 'muted' }, t('A new admin waits for a second admin’s approval.'))),
    h('div', { class: 'actions' }, go),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const picked = roles.map((l) => l.firstChild).filter((i) => i.checked).map((i) => i.value);
    act(go, () => api('POST', `/orgs/${org.id}/users`, { username: name.value.trim(), password: pw.value, roles: picked }), t('User {name} created.', { name: name.value.trim() }));
  });
  out.push(h('details', { class: 'card' }, h('summary', {}, t('New user')), form));
  return h('div', { id: 'users-view' }, out);
}

// ---------------------------------------------------------------------------------------
// Host apps

let createdHost = null;

async function hostsView() {
  const hosts = await api('GET', '/hosts');
  document.title = `${t('Host apps')} · Cove`;
  const rows = hosts.length
    ? hosts.map((x) => {
        const key = h('code', { class: 'key masked' }, mask(x.sdk_key));
        const show = h('button', {
          type: 'button',
          class: 'ghost small',
          onclick: (e) => {
            const masked = key.classList.toggle('masked');
            key.textContent = masked ? mask(x.sdk_key) : x.sdk_key;
            e.currentTarget.textContent = masked ? t('Show') : t('Hide');
          },
        }, t('Show'));
        return h(
          'tr',
          { 'data-host': x.id },
          h('td', { class: 'name' }, x.name),
          h('td', {}, h('code', {}, x.id)),
          h('td', {}, (x.platforms || []).map((p) => badge(p, 'info'))),
          h('td', { class: 'sdk-key' }, key, ' ', show),
          h('td', {}, x.sealing_key ? [badge(t('sealed'), 'good'), ' ', h('code', { class: 'muted', title: x.sealing_key }, sealingLabel(x.sealing_key))] : badge(t('not sealed'), 'muted')),
          h(
            'td',
            {},
            (x.apps || []).length
              ? x.apps.map((a) => {
                  // An app id, or a grant `{app_id, grants}`.
                  const appId = typeof a === 'string' ? a : a.app_id;
                  return h('a', { href: `#/apps/${enc(appId)}`, class: 'chip' }, appId);
                })
              : h('span', { class: 'muted' }, 'none'),
          ),
        );
      })
    : [empty(6, t('No host apps yet.'))];

  const out = [h('div', { class: 'title' }, h('h2', {}, `${t('Host apps')} `, h('span', { class: 'count' }, String(hosts.length))))];
  if (createdHost) {
    // The secret exists only in this response: show it once, then forget it.
    const c = createdHost;
    createdHost = null;
    out.push(
      h(
        'section',
        { class: 'card secret', id: 'host-secret', role: 'status' },
        h('h3', {}, `Host app ${c.name} created`),
        h('p', {}, 'SDK key: ', h('code', {}, c.sdk_key)),
        h('p', {}, 'SDK secret: ', h('code', { id: 'sdk-secret' }, c.sdk_secret)),
        h('p', { class: 'warn-text' }, 'This is the only time the secret is shown. Store it in the host app’s build secrets now; it cannot be shown again.'),
      ),
    );
  }
  out.push(table(['Name', 'ID', 'Platforms', 'SDK key', 'Package sealing', 'Mini-programs'].map((x) => t(x)), rows, { id: 'hosts' }));

  const name = h('input', { name: 'name', required: true, placeholder: '掌上银行' });
  const platforms = ['android', 'ios', 'harmony', 'windows', 'macos'].map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'platforms', value: p, checked: p === 'android' || p === 'ios' }), p));
  const sealing = h('textarea', { name: 'sealing_key', rows: 2, spellcheck: 'false', placeholder: 'optional: the host’s public key for sealed packages' });
  const go = h('button', { type: 'submit', class: 'primary' }, t('Create host app'));
  const form = h('form', { class: 'grid', id: 'new-host' }, field(t('Name'), name), h('fieldset', {}, h('legend', {}, t('Platforms')), platforms), field(t('Sealing key'), sealing), h('div', { class: 'actions' }, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), platforms: platforms.map((l) => l.firstChild).filter((i) => i.checked).map((i) => i.value) };
    if (sealing.value.trim()) body.sealing_key = sealing.value.trim();
    act(go, async () => {
      createdHost = await api('POST', '/hosts', body);
    }, null);
  });
  out.push(h('details', { class: 'card' }, h('summary', {}, t('New host app')), form));
  return h('div', {}, out);
}

// The host's sealing key is a public key file (JSON: suite, id, public); name it briefly.
function sealingLabel(key) {
  try {
    const k = JSON.parse(key);
    const pub = typeof k.public === 'string' ? ` ${k.public.slice(0, 10)}…` : '';
    return `${k.suite || ''} ${k.id || ''}${pub}`.trim();
  } catch {
    return `${String(key).slice(0, 16)}…`;
  }
}

function mask(key) {
  if (!key) return '—';
  return key.length > 8 ? `${key.slice(0, 6)}••••••${key.slice(-2)}` : '••••••';
}

// ---------------------------------------------------------------------------------------
// Audit log: filtered by actor, action and time on the server, paged, exported as CSV.

const auditFilter = { actor: '', action: '', from: '', to: '', offset: 0, limit: 100 };

async function auditView() {
  const limit = Number(new URLSearchParams(location.hash.split('?')[1] || '').get('limit')) || auditFilter.limit;
  auditFilter.limit = limit;
  const f = auditFilter;
  const params = queryOf({ actor: f.actor, action: f.action, from: fromLocalInput(f.from), to: fromLocalInput(f.to) });
  const pageQ = new URLSearchParams(params);
  pageQ.set('limit', String(limit));
  pageQ.set('offset', String(f.offset));
  const { items: rows, total } = await apiPage(`/audit?${pageQ}`);
  document.title = `${t('Audit log')} · Cove`;
  const json = (v) => {
    if (v == null || v === '') return null;
    if (typeof v === 'string') {
      try {
        const parsed = JSON.parse(v);
        return parsed == null ? null : JSON.stringify(parsed, null, 2);
      } catch {
        return v;
      }
    }
    return JSON.stringify(v, null, 2);
  };
  const filtered = f.actor || f.action || f.from || f.to;
  const body = rows.length
    ? rows.map((r) => {
        const before = json(r.before);
        const after = json(r.after);
        return h(
          'tr',
          { 'data-seq': r.seq },
          h('td', { class: 'num' }, r.seq),
          timeCell(r.at),
          h('td', { class: 'actor' }, r.actor),
          h('td', {}, r.org || '—'),
          h('td', { class: 'action' }, r.action in ACTION_WORDS ? [t(ACTION_WORDS[r.action]), ' '] : null, h('code', {}, r.action)),
          h('td', { class: 'target' }, r.target),
          h(
            'td',
            {},
            before || after
              ? h('details', {}, h('summary', {}, t('change')), before ? [h('div', { class: 'muted' }, t('before')), h('pre', {}, before)] : null, after ? [h('div', { class: 'muted' }, t('after')), h('pre', {}, after)] : null)
              : '',
          ),
        );
      })
    : [empty(7, filtered ? t('No entry matches.') : t('The audit log is empty.'))];
  const tbl = table([`${t('Seq')}#`, t('Time'), t('Actor'), t('Org'), t('Action'), t('Target'), t('Change')], body, { id: 'audit' });
  const result = h('div', { id: 'verify-result', 'aria-live': 'polite' });
  const verify = h('button', { type: 'button', id: 'verify', class: 'primary' }, t('Verify chain'));
  verify.addEventListener('click', async () => {
    verify.disabled = true;
    result.replaceChildren(h('span', { class: 'muted' }, t('Verifying…')));
    for (const tr of tbl.querySelectorAll('tr.broken')) tr.classList.remove('broken');
    try {
      const v = await api('GET', '/audit/verify');
      if (v.ok) {
        result.replaceChildren(h('p', { class: 'verify ok' }, t('✓ Chain intact: {rows} rows verified.', { rows: fmtNum(v.rows) })));
      } else {
        // `broken` is `{seq, why}`, or the server's sentence naming the row.
        const b = typeof v.broken === 'string' ? { seq: /\b(?:seq|entry)\D{0,3}(\d+)/i.exec(v.broken)?.[1], why: v.broken } : v.broken || {};
        const where = b.seq != null ? ` at seq ${b.seq}` : '';
        const checked = v.rows != null ? ` (${fmtNum(v.rows)} rows checked)` : '';
        result.replaceChildren(h('p', { class: 'verify bad' }, `✗ Chain broken${where}: ${b.why || 'unknown'}${checked}.`));
        const tr = b.seq == null ? null : tbl.querySelector(`tr[data-seq="${CSS.escape(String(b.seq))}"]`);
        if (tr) {
          tr.classList.add('broken');
          tr.scrollIntoView({ block: 'center' });
        }
      }
    } catch (x) {
      result.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errText(x)));
    } finally {
      verify.disabled = false;
    }
  });
  const limitSel = h('select', { 'aria-label': 'Rows', value: String(limit), onchange: (e) => { f.offset = 0; location.hash = `#/audit?limit=${e.target.value}`; } }, [100, 500, 1000].map((n) => h('option', { value: String(n) }, t('last {n}', { n }))));

  const actor = h('input', { name: 'actor', value: f.actor, placeholder: 'admin' });
  const action = h(
    'select',
    { name: 'action', value: f.action },
    h('option', { value: '' }, t('Any action')),
    ['app.', 'version.', 'release.', 'domains.', 'host.'].map((prefix) => h('option', { value: prefix }, `${prefix}*`)),
    Object.entries(ACTION_WORDS).map(([code, w]) => h('option', { value: code }, `${t(w)} (${code})`)),
  );
  const from = h('input', { name: 'from', type: 'datetime-local', value: f.from });
  const to = h('input', { name: 'to', type: 'datetime-local', value: f.to });
  const filters = h(
    'form',
    { class: 'grid filters', id: 'audit-filters' },
    field(t('Actor'), actor),
    field(t('Action'), action),
    field(t('From'), from),
    field(t('Until'), to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('Apply'))),
  );
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(f, { actor: actor.value.trim(), action: action.value, from: from.value, to: to.value, offset: 0 });
    render();
  });
  // The export is every matching row (not only this page), as the server writes it.
  const csv = new URLSearchParams(params);
  csv.set('format', 'csv');
  const exportLink = h('a', { class: 'button', id: 'export-csv', href: `/api/v1/audit?${csv}`, download: 'cove-audit.csv' }, t('Export CSV'));
  return h(
    'div',
    {},
    h('div', { class: 'title' }, h('h2', {}, t('Audit log')), h('div', { class: 'actions' }, limitSel, exportLink, verify)),
    h('p', { class: 'muted' }, t('Every change on the platform, hash-chained: editing or deleting a row breaks the chain from there on.'), ' ', t('Times are shown in {zone}.', { zone: `${ZONE} (${zoneOffset(new Date())})` })),
    filters,
    result,
    tbl,
    pager(f.offset, limit, total, (o) => { f.offset = o; render(); }),
  );
}

// ---------------------------------------------------------------------------------------
// Review queue: versions in review across mini-programs, the longest waiting first.

const queueFilter = { uploader: '', q: '', offset: 0 };

async function reviewView() {
  const f = queueFilter;
  const q = queryOf({ uploader: f.uploader, q: f.q, limit: PAGE, offset: f.offset });
  const { items, total } = await apiPage(`/review-queue?${q}`);
  document.title = `${t('Review queue')} · Cove`;
  const rows = items.length
    ? items.map((v) =>
        h(
          'tr',
          { 'data-app': v.app_id, 'data-code': v.code },
          h('td', { class: 'name' }, h('a', { href: `#/apps/${enc(v.app_id)}` }, v.app_name), h('div', { class: 'muted' }, v.org_name)),
          h('td', {}, `${v.name} (${v.code})`),
          h('td', { class: 'note' }, v.note || ''),
          h('td', {}, userRef(v.uploaded_by_name ?? v.uploaded_by)),
          timeCell(v.submitted_at ?? v.uploaded_at),
          h('td', { class: 'num', title: t('Size (zipped)') }, fmtBytes(v.size)),
          h('td', { class: 'actions' }, h('a', { class: 'report-link', href: `#/apps/${enc(v.app_id)}/versions/${enc(v.code)}` }, t('Report')), versionActions(v.app_id, v, null, v.app_name)),
        ),
      )
    : [empty(7, t('Nothing is waiting for review.'))];
  const uploader = h('input', { name: 'uploader', 'aria-label': t('Uploader'), placeholder: t('Uploader'), value: f.uploader });
  const text = h('input', { type: 'search', name: 'q', 'aria-label': t('Filter'), placeholder: t('Search name, note, code…'), value: f.q });
  const filters = h('form', { class: 'filters', id: 'queue-filters' }, uploader, text, h('button', { type: 'submit', class: 'small' }, t('Apply')));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(f, { uploader: uploader.value.trim(), q: text.value.trim(), offset: 0 });
    render();
  });
  return h(
    'div',
    {},
    h('div', { class: 'title' }, h('h2', {}, `${t('Review queue')} `, h('span', { class: 'count' }, String(total))), filters),
    h('p', { class: 'muted' }, t('Versions waiting for review, the longest waiting first.')),
    table([t('Mini-program'), t('Version'), t('Note'), t('Uploaded by'), t('Submitted'), `${t('Size (zipped)')}#`, t('Actions')], rows, { id: 'queue' }),
    pager(f.offset, PAGE, total, (o) => { f.offset = o; render(); }),
  );
}

// ---------------------------------------------------------------------------------------
// Start: an existing session skips the login form.

(async () => {
  try {
    const s = await api('GET', '/session');
    state.csrf = s.csrf;
    if (s.must_change_password) {
      // The change form needs the one-time password again: sign in afresh.
      await api('DELETE', '/session').catch(() => {});
      state.csrf = null;
    } else {
      await signedIn(s.user);
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) showError(e);
  }
  await render({ keepBanner: true });
})();
