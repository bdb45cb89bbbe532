import { num, str } from '../util.js';

// navigator: a tap routes through the host (the core gives it hover-class `navigator-hover`).
const OPEN_TYPES = ['navigate', 'redirect', 'switchTab', 'reLaunch', 'navigateBack', 'exit'];
const navigator = {
  create(ctx) {
    const s = { url: '', openType: 'navigate', delta: 1, target: 'self', appId: '', path: '', extraData: null, envVersion: 'release', shortLink: '' };
    ctx.el.addEventListener('click', () => {
      if (s.target === 'miniProgram') {
        const args = { appId: s.appId, path: s.path, extraData: s.extraData, envVersion: s.envVersion, shortLink: s.shortLink };
        Promise.resolve(ctx.host('navigateToMiniProgram', args)).then(
          (r) => { ctx.emit('success', r || {}); ctx.emit('complete', r || {}); },
          (e) => { const d = { errMsg: String((e && e.message) || e) }; ctx.emit('fail', d); ctx.emit('complete', d); },
        );
        return;
      }
      ctx.host('navigate', { openType: s.openType, url: s.url, delta: s.delta });
    });
    return {
      slot: ctx.el,
      attr(name, value) {
        switch (name) {
          case 'url': s.url = str(value); break;
          case 'open-type': s.openType = OPEN_TYPES.includes(value) ? value : 'navigate'; break;
          case 'delta': s.delta = Math.max(1, Math.trunc(num(value, 1))); break;
          case 'target': s.target = value === 'miniProgram' ? 'miniProgram' : 'self'; break;
          case 'app-id': s.appId = str(value); break;
          case 'path': s.path = str(value); break;
          case 'extra-data': s.extraData = value; break;
          case 'version': s.envVersion = str(value) || 'release'; break;
          case 'short-link': s.shortLink = str(value); break;
          default:
        }
      },
    };
  },
};

export { navigator };
