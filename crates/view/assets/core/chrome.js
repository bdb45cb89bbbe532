// @ts-check
// The page chrome WeChat draws around a page: the navigation bar (with the status bar strip and
// the capsule), and the tabBar.
import { h } from '../components/util.js';
import { pkgUrl, resolvePath } from './url.js';

function color(c, d) {
  return typeof c === 'string' && c.trim() ? c.trim() : d;
}

export class Chrome {
  /** @param {import('../view.js').View} v @param {unknown} [app] */
  constructor(v, app) {
    this.v = v;
    this.nav = h('div', 'cove-nav');
    h('div', 'cove-nav__status', this.nav);
    const bar = h('div', 'cove-nav__bar', this.nav);
    this.back = h('div', 'cove-nav__back', bar);
    this.back.setAttribute('role', 'button');
    this.back.setAttribute('aria-label', 'back');
    h('i', 'cove-nav__arrow', this.back);
    this.back.addEventListener('click', () => v.send({ t: 'back' }));
    const center = h('div', 'cove-nav__center', bar);
    this.loading = h('i', 'cove-nav__loading', center);
    this.title = h('div', 'cove-nav__title', center);
    this.tabTop = h('div', 'cove-tabbar cove-tabbar--top');
    this.tabBottom = h('div', 'cove-tabbar');
    this.capsule = h('div', 'cove-capsule');
    h('i', 'cove-capsule__menu', this.capsule);
    h('i', 'cove-capsule__sep', this.capsule);
    h('i', 'cove-capsule__close', this.capsule);
    this.app = app;
    this.tabBar = null;
    this.tabItems = [];
    this.tabHidden = false;
    this.current = null;
    this.custom = false;
    this.nav.hidden = true; // until the first route
    this.stackLen = 0;
  }

  /**
   * `hello`: the app's tabBar (window defaults come with each route).
   * @param {import('../../types/protocol').HelloApp} app
   */
  setApp(app) {
    const tb = app && app.tabBar;
    if (!tb || !Array.isArray(tb.list) || tb.list.length === 0) return;
    // `custom`: the app's own `custom-tab-bar` component draws it, inside each tab page.
    if (tb.custom === true) return;
    this.tabBar = {
      color: tb.color, selectedColor: tb.selectedColor, backgroundColor: tb.backgroundColor,
      borderStyle: tb.borderStyle, position: tb.position === 'top' ? 'top' : 'bottom',
    };
    this.tabItems = tb.list.map((it) => ({
      pagePath: String(it.pagePath || '').replace(/^\/+/, ''), text: it.text, iconPath: it.iconPath,
      selectedIconPath: it.selectedIconPath, badge: null, dot: false,
    }));
    this.renderTabs();
  }

  /** @param {import('../../types/view').Received<'route'>} msg @param {any} info the top page's layer */
  route(msg, info) {
    this.current = msg.tab ? String(msg.tab).replace(/^\/+/, '') : null;
    this.stackLen = msg.stack.length;
    this.window(this.v.pages.windowOf(info));
    this.renderTabs();
  }

  /** Show a page's window config on the navigation bar. */
  window(raw) {
    const w = this.v.theme.window(raw);
    this.custom = w.navigationStyle === 'custom';
    this.nav.hidden = this.custom;
    const front = w.navigationBarTextStyle === 'black' || w.navigationBarTextStyle === '#000000' ? '#000000' : '#ffffff';
    this.nav.style.backgroundColor = color(w.navigationBarBackgroundColor, '#000000');
    this.nav.style.color = front;
    this.nav.classList.toggle('is-light', front === '#000000');
    this.capsule.classList.toggle('is-light', front === '#000000');
    this.title.textContent = w.navigationBarTitleText == null ? '' : String(w.navigationBarTitleText);
    this.loading.hidden = !w.navigationBarLoading;
    this.back.hidden = !(this.stackLen > 1 && !this.current);
    this.v.root.classList.toggle('is-custom-nav', this.custom);
  }

  // ---- tabBar -------------------------------------------------------------------------------------
  renderTabs() {
    // `@name` theme variables resolved for the theme in force (core/theme.js).
    const tb = this.tabBar && this.v.theme.tabBar(this.tabBar);
    for (const el of [this.tabTop, this.tabBottom]) el.replaceChildren();
    this.tabTop.hidden = true;
    this.tabBottom.hidden = true;
    if (!tb) return;
    const bar = tb.position === 'top' ? this.tabTop : this.tabBottom;
    bar.hidden = !this.current || this.tabHidden;
    bar.style.backgroundColor = color(tb.backgroundColor, '#ffffff');
    bar.classList.toggle('is-white-border', tb.borderStyle === 'white');
    this.tabItems.forEach((it, i) => {
      const on = it.pagePath === this.current;
      const item = h('div', on ? 'cove-tab is-selected' : 'cove-tab', bar);
      item.setAttribute('role', 'tab');
      item.dataset.index = String(i);
      item.style.color = on ? color(tb.selectedColor, '#18181a') : color(tb.color, '#999999');
      if (on && tb.position === 'top') item.style.borderBottomColor = color(tb.selectedColor, '#18181a');
      const iconWrap = h('div', 'cove-tab__icon', item);
      const [iconPath, selectedIconPath] = [it.iconPath, it.selectedIconPath].map((p) => this.v.theme.resolve(p));
      const icon = on && selectedIconPath ? selectedIconPath : iconPath;
      if (icon && tb.position !== 'top') {
        const img = h('img', '', iconWrap);
        img.alt = '';
        img.src = pkgUrl(resolvePath(String(icon), ''));
      } else {
        iconWrap.hidden = true;
        item.classList.add('no-icon');
      }
      if (it.badge != null) h('span', 'cove-tab__badge', iconWrap.hidden ? item : iconWrap).textContent = it.badge;
      else if (it.dot) h('span', 'cove-tab__dot', iconWrap.hidden ? item : iconWrap);
      const text = h('div', 'cove-tab__text', item);
      text.textContent = it.text == null ? '' : String(it.text);
      item.addEventListener('click', () => this.v.send({ t: 'tab', path: it.pagePath }));
    });
  }

  /** The tabBar `ui` calls. */
  tabUi(api, a) {
    const it = this.tabItems[Number(a.index)];
    switch (api) {
      case 'setTabBarBadge':
        if (it) it.badge = a.text == null ? '' : String(a.text);
        break;
      case 'removeTabBarBadge':
        if (it) it.badge = null;
        break;
      case 'showTabBarRedDot':
        if (it) it.dot = true;
        break;
      case 'hideTabBarRedDot':
        if (it) it.dot = false;
        break;
      case 'setTabBarItem':
        if (it) for (const k of ['text', 'iconPath', 'selectedIconPath']) if (a[k] !== undefined) it[k] = a[k];
        if (it && a.pagePath) it.pagePath = String(a.pagePath).replace(/^\/+/, '');
        break;
      case 'setTabBarStyle':
        if (this.tabBar) for (const k of ['color', 'selectedColor', 'backgroundColor', 'borderStyle']) if (a[k] !== undefined) this.tabBar[k] = a[k];
        break;
      case 'showTabBar':
        this.tabHidden = false;
        break;
      case 'hideTabBar':
        this.tabHidden = true;
        break;
      default:
        return false;
    }
    this.renderTabs();
    return true;
  }
}
