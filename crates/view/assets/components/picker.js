// <picker> (bottom sheet) and <picker-view> (inline wheels); styles in css/picker.css.
// `sheet` is also the view's `ui.sheet`, the shared bottom picker panel.
import { picker } from './picker/picker.js';
import { pickerView, pickerViewColumn } from './picker/view.js';

export { sheet } from './picker/sheet.js';

export default {
  picker,
  'picker-view': pickerView,
  'picker-view-column': pickerViewColumn,
};
