// Device presets and the phone frame: an <iframe> of exactly the device's CSS size inside a
// drawn bezel, scaled as a whole (CSS transform) by the zoom and to fit the window.

import { h, clear } from './dom.js';

// kind picks the bezel: `notch` (Face ID iPhones), `home` (home-button iPhone), `android`, `tablet`
export const DEVICES = [
  { id: 'iphone-se', name: 'iPhone SE', width: 375, height: 667, ratio: 2, kind: 'home' },
  { id: 'iphone-12', name: 'iPhone 12/13/14', width: 390, height: 844, ratio: 3, kind: 'notch' },
  { id: 'iphone-14-pro-max', name: 'iPhone 14 Pro Max', width: 430, height: 932, ratio: 3, kind: 'notch' },
  { id: 'pixel-7', name: 'Pixel 7', width: 412, height: 915, ratio: 2.625, kind: 'android' },
  { id: 'galaxy-s20', name: 'Galaxy S20', width: 360, height: 800, ratio: 3, kind: 'android' },
  { id: 'ipad-mini', name: 'iPad mini', width: 768, height: 1024, ratio: 2, kind: 'tablet' },
];
export const DEFAULT_DEVICE = 'iphone-12';

// bezel thickness [top, right, bottom, left] and corner radii (outer, screen) in CSS px
const BEZELS = {
  notch: { pad: [14, 14, 14, 14], radius: 54, screen: 40 },
  home: { pad: [72, 16, 72, 16], radius: 48, screen: 0 },
  android: { pad: [12, 12, 12, 12], radius: 36, screen: 24 },
  tablet: { pad: [28, 28, 28, 28], radius: 36, screen: 8 },
};

/** The `/view` URL for a device and page (`path`/`query` are left out when empty). */
export function viewUrl(device, path, query, theme) {
  const p = new URLSearchParams();
  p.set('width', String(device.width));
  p.set('height', String(device.height));
  p.set('ratio', String(device.ratio));
  p.set('device', device.name);
  if (path) p.set('path', path);
  if (query) p.set('query', query);
  // The phone's system theme (light unless said); the toolbar switch changes it live.
  if (theme === 'dark') p.set('theme', 'dark');
  return '/view?' + p.toString();
}

/** The stage: the frame centred in `host`, with a caption (the page path) below it. */
export function createStage(host) {
  const sizer = h('div', { class: 'sizer' });
  const frame = h('div', { class: 'device' });
  const caption = h('div', { class: 'caption' });
  sizer.append(frame);
  host.append(sizer, caption);

  let device = DEVICES[1];
  let zoom = 1;
  let iframe = null;
  let scale = 1;

  function layout() {
    const b = BEZELS[device.kind];
    const fw = device.width + b.pad[1] + b.pad[3];
    const fh = device.height + b.pad[0] + b.pad[2];
    // fit inside the stage, leaving room for the caption and a margin
    const aw = host.clientWidth - 32;
    const ah = host.clientHeight - caption.offsetHeight - 40;
    const fit = aw > 0 && ah > 0 ? Math.min(aw / fw, ah / fh) : 1;
    scale = Math.max(0.1, Math.min(zoom, fit));
    frame.style.width = fw + 'px';
    frame.style.height = fh + 'px';
    frame.style.padding = b.pad.map((n) => n + 'px').join(' ');
    frame.style.borderRadius = b.radius + 'px';
    frame.style.transform = `scale(${scale})`;
    sizer.style.width = fw * scale + 'px';
    sizer.style.height = fh * scale + 'px';
    if (iframe) iframe.style.borderRadius = b.screen + 'px';
  }

  new ResizeObserver(layout).observe(host);

  return {
    get scale() {
      return scale;
    },
    get iframe() {
      return iframe;
    },
    /** Show `device` at `zoom` (a fraction); call `load` to (re)load the view. */
    configure(d, z) {
      device = d;
      zoom = z;
      frame.className = 'device ' + d.kind;
      layout();
    },
    /** A fresh iframe at `url`: replacing the element (not its src) always reloads and
     * adds no entry to the outer page's history. */
    load(url) {
      clear(frame);
      if (device.kind === 'home') frame.append(h('div', { class: 'speaker' }), h('div', { class: 'home-button' }));
      if (device.kind === 'notch') frame.append(h('div', { class: 'side-button' }));
      iframe = h('iframe', { class: 'screen', title: 'Mini-program view' });
      iframe.width = String(device.width);
      iframe.height = String(device.height);
      iframe.style.width = device.width + 'px';
      iframe.style.height = device.height + 'px';
      iframe.src = url;
      frame.append(iframe);
      layout();
    },
    caption(text) {
      caption.textContent = text;
    },
    layout,
  };
}
