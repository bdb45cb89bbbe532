// Helpers shared by the form components.
import { str } from '../util.js';

/** `activeColor` and `active-color` both arrive; components switch on the kebab form. */
export function kebab(name) {
  return name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** Set or remove a host attribute so WeChat's attribute selectors (`wx-button[type=primary]`) apply. */
export function reflect(el, name, on, value = '') {
  if (on) el.setAttribute(name, value);
  else el.removeAttribute(name);
}

/**
 * Class names given in attributes (`placeholder-class`, `indicator-class`): the plain name for
 * app-wide classes and, when the core records the host's style scope as `el.__coveScope`, the
 * scoped `<scope>--<name>` too (the compiled page styles use that form).
 */
export function extClasses(host, value) {
  const names = str(value).split(/\s+/).filter(Boolean);
  const scope = host.__coveScope;
  const out = [];
  for (const n of names) {
    out.push(n);
    if (scope) out.push(`${scope}--${n}`);
  }
  return out;
}

/** Replace the classes an attribute added earlier on `node` (`prev` is what it added). */
export function swapClasses(node, prev, next) {
  for (const c of prev) node.classList.remove(c);
  for (const c of next) node.classList.add(c);
  return next;
}

/** Run `fn` once the host is in the document and laid out (attrs arrive before it is attached). */
export function whenConnected(el, fn) {
  let tries = 0;
  const step = () => {
    if (el.isConnected) fn();
    else if (tries++ < 120) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

/** Keyboard access for tappable hosts: focusable, Enter/Space act like a tap. */
export function pressable(el, role) {
  el.setAttribute('role', role);
  el.tabIndex = 0;
  el.addEventListener('keydown', (e) => {
    if (e.target !== el || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    el.click();
  });
}

/** The closest ancestor host with that tag (not the element itself). */
export function closestHost(el, tag) {
  return el.parentElement ? el.parentElement.closest(tag) : null;
}
