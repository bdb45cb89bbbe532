// <button>: WeChat's look comes from attribute selectors in form.css; taps submit or reset the
// enclosing <form> (`form-type`) or ask the host for an open capability (`open-type`).
import { bool, str } from '../util.js';
import { kebab, reflect, pressable, closestHost } from './common.js';

const TYPES = new Set(['primary', 'default', 'warn']);

// The event WeChat fires back on the button for each open-type.
const OPEN_EVENTS = {
  getPhoneNumber: 'getphonenumber',
  getRealtimePhoneNumber: 'getrealtimephonenumber',
  getUserInfo: 'getuserinfo',
  contact: 'contact',
  openSetting: 'opensetting',
  launchApp: 'launchapp',
  chooseAvatar: 'chooseavatar',
  agreePrivacyAuthorization: 'agreeprivacyauthorization',
  liveActivity: 'createliveactivity',
};

// Attributes passed along with an open-type request.
const OPEN_ARGS = {
  lang: 'lang',
  'session-from': 'sessionFrom',
  'send-message-title': 'sendMessageTitle',
  'send-message-path': 'sendMessagePath',
  'send-message-img': 'sendMessageImg',
  'show-message-card': 'showMessageCard',
  'app-parameter': 'appParameter',
  'phone-number-no-quota-toast': 'phoneNumberNoQuotaToast',
  'entrance-path': 'entrancePath',
};

export const button = {
  create(ctx) {
    const el = ctx.el;
    const st = { disabled: false, formType: '', openType: '', args: {} };
    pressable(el, 'button');

    function openType() {
      const type = st.openType;
      const ev = OPEN_EVENTS[type];
      Promise.resolve(ctx.host('openType', { type, ...st.args }))
        .then((r) => {
          if (r && typeof r === 'object' && typeof r.event === 'string') ctx.emit(r.event, r.detail || {});
          else if (ev && r && typeof r === 'object') ctx.emit(ev, r);
        })
        .catch((err) => {
          const msg = `${type}:fail ${err && err.message ? err.message : str(err) || 'cancel'}`;
          if (type === 'launchApp') ctx.emit('error', { errMsg: msg });
          else if (ev) ctx.emit(ev, { errMsg: msg });
        });
    }

    const inst = {
      slot: el,
      name: '',
      attr(name, value) {
        const k = kebab(name);
        switch (k) {
          case 'type':
            reflect(el, 'type', TYPES.has(value), value);
            break;
          case 'size':
            reflect(el, 'size', value === 'mini', 'mini');
            break;
          case 'plain':
          case 'loading':
            reflect(el, k, bool(value));
            break;
          case 'disabled':
            st.disabled = bool(value);
            reflect(el, 'disabled', st.disabled);
            el.setAttribute('aria-disabled', String(st.disabled));
            break;
          case 'form-type':
            st.formType = str(value);
            break;
          case 'open-type':
            st.openType = str(value);
            break;
          case 'name':
            inst.name = str(value);
            break;
          default:
            if (OPEN_ARGS[k]) st.args[OPEN_ARGS[k]] = value;
        }
      },
      /** What a tap does beyond the tap event itself (also used by <label>). */
      activate() {
        if (st.disabled) return;
        if (st.openType) openType();
        if (st.formType === 'submit' || st.formType === 'reset') {
          const form = closestHost(el, 'wx-form');
          const f = form && ctx.instanceOf(form);
          if (f && typeof f[st.formType] === 'function') f[st.formType]();
        }
      },
    };
    el.addEventListener('click', () => inst.activate());
    return inst;
  },
};
