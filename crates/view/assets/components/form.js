// WeChat's form components (docs/view.md "Components"); styles in css/form.css.
import { button } from './form/button.js';
import { input, textarea } from './form/input.js';
import { checkbox, checkboxGroup, radio, radioGroup, switchComponent } from './form/choice.js';
import { slider } from './form/slider.js';
import { form, label } from './form/formlabel.js';

export default {
  button,
  input,
  textarea,
  checkbox,
  'checkbox-group': checkboxGroup,
  radio,
  'radio-group': radioGroup,
  switch: switchComponent,
  slider,
  form,
  label,
};
