// The registry of built-in components: tag name -> component (docs/view.md).
import basic from './basic.js';
import layout from './layout.js';
import media from './media.js';
import form from './form.js';
import picker from './picker.js';

export const components = { ...basic, ...layout, ...media, ...form, ...picker };
