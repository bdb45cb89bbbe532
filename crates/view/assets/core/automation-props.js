// @ts-check
// The public properties of the built-ins with WeChat's documented defaults, for the automator's
// `properties` (core/automation.js): `element.property(name)` must know a property the page never
// set. Kebab-case, as WXML writes them; the type of a default also types a string attribute.
const HOVER = { 'hover-class': 'none', 'hover-stop-propagation': false, 'hover-start-time': 50, 'hover-stay-time': 400 };
const FIELD = {
  value: '', placeholder: '', 'placeholder-style': '', disabled: false, maxlength: 140, focus: false,
  'auto-focus': false, 'cursor-spacing': 0, cursor: -1, 'selection-start': -1, 'selection-end': -1,
  'adjust-position': true, 'hold-keyboard': false, 'confirm-hold': false, name: '',
};

export const PUBLIC = {
  view: HOVER,
  'cover-view': { 'scroll-top': 0 },
  text: { 'user-select': false, selectable: false, space: '', decode: false },
  image: { src: '', mode: 'scaleToFill', webp: false, 'lazy-load': false, 'show-menu-by-longpress': false },
  icon: { type: '', size: 23, color: '' },
  progress: { percent: 0, 'show-info': false, 'border-radius': 0, 'font-size': 16, 'stroke-width': 6, color: '#09BB07', 'active-color': '#09BB07', 'background-color': '#EBEBEB', active: false, 'active-mode': 'backwards', duration: 30 },
  button: {
    size: 'default', type: 'default', plain: false, disabled: false, loading: false, 'form-type': '', 'open-type': '',
    ...HOVER, 'hover-class': 'button-hover', 'hover-start-time': 20, 'hover-stay-time': 70,
    lang: 'en', 'session-from': '', 'send-message-title': '', 'send-message-path': '', 'send-message-img': '',
    'app-parameter': '', 'show-message-card': false,
  },
  input: { ...FIELD, type: 'text', password: false, 'placeholder-class': 'input-placeholder', 'confirm-type': 'done', 'always-embed': false },
  textarea: {
    ...FIELD, 'placeholder-class': 'textarea-placeholder', 'auto-height': false, fixed: false, 'show-confirm-bar': true,
    'disable-default-padding': false, 'confirm-type': 'return',
  },
  switch: { checked: false, disabled: false, type: 'switch', color: '#04BE02', name: '' },
  checkbox: { value: '', disabled: false, checked: false, color: '#09BB07' },
  radio: { value: '', disabled: false, checked: false, color: '#09BB07' },
  'checkbox-group': { name: '' },
  'radio-group': { name: '' },
  slider: {
    min: 0, max: 100, step: 1, disabled: false, value: 0, color: '#e9e9e9', 'selected-color': '#1aad19',
    'active-color': '#1aad19', 'background-color': '#e9e9e9', 'block-size': 28, 'block-color': '#ffffff', 'show-value': false, name: '',
  },
  picker: { mode: 'selector', disabled: false, range: [], 'range-key': '', value: 0, start: '', end: '', fields: 'day', 'custom-item': '', level: 'region', 'header-text': '', name: '' },
  form: { 'report-submit': false, 'report-submit-timeout': 0 },
  label: { for: '' },
  navigator: {
    target: 'self', url: '', 'open-type': 'navigate', delta: 1, 'app-id': '', path: '', 'extra-data': '', version: 'release',
    'short-link': '', ...HOVER, 'hover-class': 'navigator-hover', 'hover-stay-time': 600,
  },
  'scroll-view': {
    'scroll-x': false, 'scroll-y': false, 'upper-threshold': 50, 'lower-threshold': 50, 'scroll-top': 0, 'scroll-left': 0,
    'scroll-into-view': '', 'scroll-with-animation': false, 'enable-back-to-top': false, 'enable-flex': false,
    'refresher-enabled': false, 'refresher-threshold': 45, 'refresher-default-style': 'black',
    'refresher-background': '#FFF', 'refresher-triggered': false, 'show-scrollbar': true,
  },
  swiper: {
    'indicator-dots': false, 'indicator-color': 'rgba(0, 0, 0, .3)', 'indicator-active-color': '#000000', autoplay: false,
    current: 0, 'current-item-id': '', interval: 5000, duration: 500, circular: false, vertical: false,
    'previous-margin': '0px', 'next-margin': '0px', 'display-multiple-items': 1, 'easing-function': 'default',
  },
  'swiper-item': { 'item-id': '' },
  'movable-area': { 'scale-area': false },
  'movable-view': {
    direction: 'none', inertia: false, 'out-of-bounds': false, x: 0, y: 0, damping: 20, friction: 2, disabled: false,
    scale: false, 'scale-min': 0.5, 'scale-max': 10, 'scale-value': 1, animation: true,
  },
  video: {
    src: '', duration: 0, controls: true, autoplay: false, loop: false, muted: false, 'initial-time': 0,
    poster: '', 'object-fit': 'contain', 'show-fullscreen-btn': true, 'show-play-btn': true,
  },
  audio: { id: '', src: '', loop: false, controls: false, poster: '', name: '未知音频', author: '未知作者' },
};
