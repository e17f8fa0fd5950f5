// Small helpers for building pages without a framework. Text always goes in as text, never as HTML.

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

export function value(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  return el instanceof HTMLInputElement ? el.value : '';
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
