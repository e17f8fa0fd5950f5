// Small helpers for building pages without a framework: elements, USWDS form controls, alerts and the node's
// refusals as text. Text always goes in as text, never as HTML.
import { ApiError } from './api';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

// A USWDS alert. Error alerts are announced (role="alert") and can take focus.
export function alert(kind: 'error' | 'success' | 'warning' | 'info', heading: string, text: string): HTMLElement {
  return h(
    'div',
    {
      class: `usa-alert usa-alert--${kind}`,
      role: kind === 'error' ? 'alert' : 'status',
      tabindex: '-1',
      'data-testid': `alert-${kind}`,
    },
    h('div', { class: 'usa-alert__body' }, h('h2', { class: 'usa-alert__heading' }, heading), h('p', { class: 'usa-alert__text' }, text)),
  );
}

// A labelled text input inside a USWDS form group.
export function field(
  id: string,
  label: string,
  attrs: Record<string, string | boolean | undefined> = {},
  hint?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'usa-form-group' },
    h('label', { class: 'usa-label', for: id }, label),
    hint ? h('div', { class: 'usa-hint', id: `${id}-hint` }, hint) : null,
    h('input', { class: 'usa-input', id, name: id, type: 'text', 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs }),
  );
}

type Attrs = Record<string, string | boolean | undefined>;

function formGroup(id: string, label: string, hint: string | undefined, control: HTMLElement): HTMLElement {
  return h('div', { class: 'usa-form-group' },
    h('label', { class: 'usa-label', for: id }, label),
    hint ? h('div', { class: 'usa-hint', id: `${id}-hint` }, hint) : null,
    control);
}

// A labelled select of [value, text] options.
export function selectField(id: string, label: string, options: [string, string][], attrs: Attrs = {}, hint?: string): HTMLElement {
  return formGroup(id, label, hint,
    h('select', { class: 'usa-select', id, name: id, 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs },
      ...options.map(([v, text]) => h('option', { value: v }, text))));
}

export function textareaField(id: string, label: string, attrs: Attrs = {}, hint?: string): HTMLElement {
  return formGroup(id, label, hint,
    h('textarea', { class: 'usa-textarea', id, name: id, 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs }));
}

export interface ChoiceOptions {
  checked?: boolean;
  tile?: boolean; // a large touch target (a USWDS tile)
  description?: string; // a second line under the label (makes it a tile)
}

function choice(kind: 'radio' | 'checkbox', id: string, name: string, value: string, label: string, o: ChoiceOptions): HTMLElement {
  const tile = o.tile || !!o.description;
  return h('div', { class: `usa-${kind}` },
    h('input', { class: `usa-${kind}__input${tile ? ` usa-${kind}__input--tile` : ''}`, id, type: kind, name, value, checked: !!o.checked }),
    h('label', { class: `usa-${kind}__label`, for: id }, label,
      o.description ? h('span', { class: `usa-${kind}__label-description` }, o.description) : null));
}

export function radio(id: string, name: string, value: string, label: string, o: ChoiceOptions = {}): HTMLElement {
  return choice('radio', id, name, value, label, o);
}

export function checkbox(id: string, name: string, value: string, label: string, o: ChoiceOptions = {}): HTMLElement {
  return choice('checkbox', id, name, value, label, o);
}

// A group of radio buttons under a legend; `checked` names the value chosen at first.
export function radios(name: string, legend: string, options: [string, string][], checked?: string, tile = false): HTMLElement {
  return h('fieldset', { class: 'usa-fieldset' },
    h('legend', { class: 'usa-legend' }, legend),
    ...options.map(([v, text]) => radio(`${name}-${v}`, name, v, text, { checked: v === checked, tile })));
}

// The value of the form's control `name`: an input, a select, a textarea or a group of radio buttons.
export function value(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  if (el instanceof RadioNodeList) return el.value;
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) return el.value;
  return '';
}

// The values of the checked boxes named `name`.
export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
}

// A link the UI follows without reloading the page.
export function link(href: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return h('a', { class: 'usa-link', href, 'data-link': true, ...attrs }, text);
}

// Why a request failed, for people: the node's own explanation (problem+json detail), or what to do when the
// session ended or the account may not do it.
export function explain(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return 'Your session has ended. Sign in again, then repeat what you were doing.';
    if (e.status === 403 && e.kind === 'forbidden') return `Your account may not do this. ${e.problem.detail ?? ''}`.trim();
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// The failure in an error alert in `slot`, focused.
export function showError(slot: HTMLElement, heading: string, e: unknown): void {
  showAlert(slot, alert('error', heading, explain(e)));
}

// Shows `message` in place of the previous one in `slot` and moves focus to it.
export function showAlert(slot: HTMLElement, message: HTMLElement): void {
  slot.replaceChildren(message);
  message.focus();
}

export interface NumberForm {
  form: HTMLFormElement;
  result: HTMLElement; // where the answer (or an error) goes; announced politely
}

// A one-field form for looking something up by its number (a permit, a receipt). Submitting it goes to
// `${path}/<number>`; an empty number is explained in `result` instead.
export function numberForm(
  what: string, // "permit", "receipt"
  hint: string,
  button: string,
  path: string,
  number: string | null,
  navigate: (path: string) => void,
): NumberForm {
  const id = `${what}-number`;
  const form = h(
    'form',
    { class: 'usa-form', 'data-testid': `${what}-lookup`, novalidate: true },
    field(id, `${what[0].toUpperCase()}${what.slice(1)} number`,
      { required: true, autocomplete: 'off', value: number ?? undefined }, hint),
    h('button', { class: 'usa-button', type: 'submit' }, button),
  );
  const result = h('div', { 'aria-live': 'polite' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const wanted = value(form, id).trim();
    if (!wanted) {
      showAlert(result, alert('error', `Enter a ${what} number`, `Type the number printed on the ${what}.`));
      return;
    }
    navigate(`${path}/${encodeURIComponent(wanted)}`);
  });
  return { form, result };
}

// A table that scrolls sideways instead of widening the page on a narrow screen; the region takes focus, so it
// scrolls from the keyboard too, and is named by `label` (the table's caption).
export function scrollable(label: string, table: HTMLElement): HTMLElement {
  return h('div', { class: 'hf-table-scroll', tabindex: '0', role: 'region', 'aria-label': label }, table);
}

// A record as terms and their descriptions ("Status: Issued"), two columns wide.
export function record(rows: [string, string | Node][], testid?: string): HTMLElement {
  return h('dl', { class: 'hf-record', 'data-testid': testid }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
