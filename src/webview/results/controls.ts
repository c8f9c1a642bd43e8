// Small factories for the @vscode-elements controls the panel uses (only these are imported, to keep the bundle
// small). Labels are set as text or attributes, never as markup.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { h } from '../lib/dom';

export interface Option {
  value: string;
  label: string;
}

/** A dropdown; `onChange` gets the chosen value. */
export function select(
  id: string,
  label: string,
  options: Option[],
  value: string,
  onChange: (value: string) => void,
): HTMLElement {
  const el = document.createElement('vscode-single-select');
  el.id = id;
  el.setAttribute('aria-label', label);
  for (const o of options) {
    const opt = document.createElement('vscode-option');
    opt.setAttribute('value', o.value);
    if (o.value === value) opt.setAttribute('selected', '');
    opt.textContent = o.label;
    el.appendChild(opt);
  }
  el.addEventListener('change', () => onChange(el.value));
  return h(
    'label',
    { class: 'control', 'data-control': id },
    h('span', { class: 'control-label' }, label),
    el,
  );
}

export function textfield(
  id: string,
  label: string,
  placeholder: string,
  onInput: (v: string) => void,
): HTMLElement {
  const el = document.createElement('vscode-textfield');
  el.id = id;
  el.setAttribute('placeholder', placeholder);
  el.setAttribute('aria-label', label);
  el.setAttribute('label', label);
  el.addEventListener('input', () => onInput(el.value));
  return h(
    'label',
    { class: 'control', 'data-control': id },
    h('span', { class: 'control-label' }, label),
    el,
  );
}

export function checkbox(
  id: string,
  label: string,
  checked: boolean,
  onChange: (v: boolean) => void,
): HTMLElement {
  const el = document.createElement('vscode-checkbox');
  el.id = id;
  el.checked = checked;
  el.setAttribute('label', label);
  el.setAttribute('aria-label', label);
  el.addEventListener('change', () => onChange(el.checked));
  return el;
}

/** A button with a codicon; secondary look unless `primary`. */
export function button(
  id: string,
  label: string,
  icon: string,
  onClick: () => void,
  primary = false,
): HTMLElement {
  const el = document.createElement('vscode-button');
  el.id = id;
  if (!primary) el.setAttribute('secondary', '');
  el.setAttribute('icon', icon);
  el.setAttribute('aria-label', label);
  el.setAttribute('title', label);
  // In a span: a narrow toolbar shows the icon alone (the label stays the button's name and tooltip).
  el.appendChild(h('span', { class: 'button-label' }, label));
  el.addEventListener('click', onClick);
  return el;
}

export function badge(
  text: string,
  variant?: 'counter' | 'activity-bar-counter' | 'tab-header-counter',
): HTMLElement {
  const el = document.createElement('vscode-badge');
  if (variant) el.setAttribute('variant', variant);
  el.textContent = text;
  return el;
}

export function icon(name: string, label?: string): HTMLElement {
  return h('span', {
    class: `codicon codicon-${name}`,
    ...(label ? { role: 'img', 'aria-label': label, title: label } : { 'aria-hidden': 'true' }),
  });
}
