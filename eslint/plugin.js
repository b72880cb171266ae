/** Tegata's local ESLint plugin: rules that make DESIGN.md executable. */
import layers from './rules/layers.js';

export default {
  meta: { name: 'eslint-plugin-tegata' },
  rules: { layers },
};
