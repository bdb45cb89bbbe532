// @ts-check
// DarkMode in the view (docs/view.md "Themes").
// - The host states the system theme (`hello.theme`, then `theme` messages). An app with
//   app.json `"darkmode": true` runs in it; any other app runs in `light`.
// - `@name` in the window and tabBar fields WeChat lets vary by theme is resolved against the
//   app's `themeLocation` variables (`hello.app.theme`) for the theme the app runs in.
// - WXSS `@media (prefers-color-scheme: …)` follows the system theme the host states, not
//   the browser's preference (which a page cannot set): every media rule that names the
//   feature is rewritten so that it asks the browser the question whose answer is ours. When
//   the browser prefers the other scheme, `dark` and `light` swap in the condition: with a
//   browser preference P, `(prefers-color-scheme: light)` holds exactly when P is `light`, so
//   asking it in place of `dark` holds exactly when our theme is `dark`. The condition stays a
//   real media query (combinations with `and`, `not`, `,` keep their meaning) and the browser
//   keeps evaluating it.

/** The fields WeChat resolves `@name` in (the compiler checks the same: crates/compiler/src/theme.rs). */
export const WINDOW_FIELDS = ['navigationBarBackgroundColor', 'navigationBarTextStyle', 'backgroundColor', 'backgroundTextStyle', 'backgroundColorTop', 'backgroundColorBottom', 'backgroundColorContent'];
export const TAB_BAR_FIELDS = ['color', 'selectedColor', 'backgroundColor', 'borderStyle'];

const FEATURE = /(prefers-color-scheme\s*:\s*)(dark|light)\b/gi;
const SWAP = { dark: 'light', light: 'dark' };

/** `text` with `dark` and `light` exchanged in every prefers-color-scheme feature. */
export function swapSchemes(text) {
  return String(text).replace(FEATURE, (_m, head, value) => head + SWAP[value.toLowerCase()]);
}

/** Media rules (at any depth) whose condition names prefers-color-scheme. */
function schemeRules(rules, out) {
  for (const r of Array.from(rules)) {
    if (typeof CSSMediaRule !== 'undefined' && r instanceof CSSMediaRule && /prefers-color-scheme/i.test(r.media.mediaText)) {
      out.push({ rule: r, text: r.media.mediaText });
    }
    if (r.cssRules && r.cssRules.length && !(typeof CSSKeyframesRule !== 'undefined' && r instanceof CSSKeyframesRule)) schemeRules(r.cssRules, out);
  }
  return out;
}

export class Theme {
  /** @param {import('../view.js').View} v */
  constructor(v) {
    this.v = v;
    /** The system theme the host states. */
    this.system = 'light';
    this.darkmode = false;
    /** `{light: {...}, dark: {...}}` from the app's theme file, or null. */
    this.vars = null;
    /** `[{rule, text}]`: media rules to keep in step, with their original condition. */
    this.rules = [];
    this.query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    if (this.query && typeof this.query.addEventListener === 'function') {
      this.query.addEventListener('change', () => this.applyMedia());
    }
  }

  /** The theme the app runs in. */
  get current() {
    return this.darkmode ? this.system : 'light';
  }

  /**
   * `hello`: the app's settings and the system theme now.
   * @param {import('../../types/protocol').HelloApp} app @param {import('../../types/protocol').ThemeName} system
   */
  setApp(app, system) {
    this.darkmode = !!(app && app.darkmode === true);
    const t = app && app.theme;
    this.vars = t && typeof t === 'object' ? t : null;
    this.setSystem(system, false);
  }

  /**
   * The system theme changed (`theme` message): media queries and the chrome follow.
   * @param {import('../../types/protocol').ThemeName} theme
   */
  setSystem(theme, refresh = true) {
    this.system = theme === 'dark' ? 'dark' : 'light';
    document.documentElement.setAttribute('cove-theme', this.current);
    this.applyMedia();
    if (refresh) this.v.pages.rethemed();
  }

  /**
   * A config value with `@name` resolved for the current theme. Values without `@` pass as
   * they are; an unknown variable gives undefined (the field's default), as an invalid value
   * would in WeChat.
   */
  resolve(value) {
    if (typeof value !== 'string' || value[0] !== '@') return value;
    const vars = this.vars && this.vars[this.current];
    const name = value.slice(1);
    return vars && Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined;
  }

  /** A copy of `o` with `fields` resolved (other fields, a title say, keep a leading `@`). */
  resolveFields(o, fields) {
    const out = Object.assign({}, o);
    for (const k of fields) if (k in out) out[k] = this.resolve(out[k]);
    return out;
  }

  /** A page's window config (app.json `window` merged with the page's JSON), resolved. */
  window(w) {
    return this.resolveFields(w, WINDOW_FIELDS);
  }

  /** The tabBar's style, resolved. */
  tabBar(tb) {
    return this.resolveFields(tb, TAB_BAR_FIELDS);
  }

  /** A stylesheet was built: keep its color-scheme media rules in step from now on. */
  addSheet(sheet) {
    const found = schemeRules(sheet.cssRules, []);
    if (!found.length) return;
    this.rules.push(...found);
    this.applyMedia(found);
  }

  applyMedia(list = this.rules) {
    const browser = this.query && this.query.matches ? 'dark' : 'light';
    const flip = browser !== this.system;
    for (const r of list) {
      const want = flip ? swapSchemes(r.text) : r.text;
      if (r.rule.media.mediaText !== want) r.rule.media.mediaText = want;
    }
  }
}
