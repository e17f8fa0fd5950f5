// What the supervisor and administrator pages share: API errors as focused alerts, tables that scroll on a
// phone, checkboxes and selects in USWDS markup, and dates and times as people read them.
import { ApiError } from '../../api';
import { alert, h, showAlert } from '../../dom';

// The API's own explanation (problem+json detail) of why a request failed, in an error alert that takes focus.
export function showError(slot: HTMLElement, heading: string, e: unknown): void {
  showAlert(slot, alert('error', heading, explain(e)));
}

export function explain(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return 'Your session has ended. Sign in again, then repeat what you were doing.';
    if (e.status === 403 && e.kind === 'forbidden') {
      return `Your account may not do this. ${e.problem.detail ?? ''}`.trim();
    }
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

// A table with a caption and column headings; the first cell of each row is its row heading. Wide tables
// scroll sideways inside their own box instead of widening the page; the box takes focus so the keyboard can
// scroll it too.
export function table(
  caption: string,
  columns: string[],
  rows: (Node | string)[][],
  attrs: Record<string, string> = {},
): HTMLElement {
  return h('div', { class: 'hf-table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: 'usa-table usa-table--borderless hf-admin-table', ...attrs },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((cells) => h('tr', {},
        ...cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
}

export function checkbox(id: string, name: string, value: string, label: string, checked = false, description?: string): HTMLElement {
  return h('div', { class: 'usa-checkbox' },
    h('input', { class: `usa-checkbox__input${description ? ' usa-checkbox__input--tile' : ''}`, id, type: 'checkbox', name, value, checked }),
    h('label', { class: 'usa-checkbox__label', for: id }, label,
      description ? h('span', { class: 'usa-checkbox__label-description' }, description) : null));
}

export function radio(id: string, name: string, value: string, label: string, description?: string): HTMLElement {
  return h('div', { class: 'usa-radio' },
    h('input', { class: 'usa-radio__input usa-radio__input--tile', id, type: 'radio', name, value }),
    h('label', { class: 'usa-radio__label', for: id }, label,
      description ? h('span', { class: 'usa-radio__label-description' }, description) : null));
}

export function select(id: string, label: string, options: [string, string][], hint?: string): HTMLElement {
  return h('div', { class: 'usa-form-group' },
    h('label', { class: 'usa-label', for: id }, label),
    hint ? h('div', { class: 'usa-hint', id: `${id}-hint` }, hint) : null,
    h('select', { class: 'usa-select', id, name: id, 'aria-describedby': hint ? `${id}-hint` : undefined },
      ...options.map(([v, text]) => h('option', { value: v }, text))));
}

export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
}

export function selected(form: HTMLFormElement, name: string): string {
  const el = form.elements.namedItem(name);
  if (el instanceof HTMLSelectElement) return el.value;
  if (el instanceof RadioNodeList) return el.value;
  return '';
}

// "2026-11-24" -> "Nov 24, 2026"; empty stays empty.
export function day(date: string | null | undefined): string {
  if (!date) return '';
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

// Unix ms as "Nov 24, 2026, 14:05"; 0 or absent as `never`.
export function moment(ms: number | null | undefined, never = 'never'): string {
  if (!ms) return never;
  return new Date(ms).toLocaleString('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

// "permit_tech" -> "permit tech".
export function words(s: string): string {
  return s.replace(/_/g, ' ');
}

// A "loading" paragraph in a live region, replaced by what `load` draws (or by its error).
export async function loadInto(slot: HTMLElement, what: string, load: () => Promise<Node[]>): Promise<void> {
  slot.setAttribute('aria-busy', 'true');
  slot.replaceChildren(h('p', {}, `Loading ${what}…`));
  try {
    slot.replaceChildren(...(await load()));
  } catch (e) {
    slot.replaceChildren(alert('error', `Could not load ${what}`, explain(e)));
  } finally {
    slot.setAttribute('aria-busy', 'false');
  }
}

// A secret the server shows once (a one-time password, an invitation token): in a summary box with what to do
// with it, and a button that removes it from the page once it has been handed over. The secret lives only in
// this element, so leaving the page (which replaces <main>) forgets it too.
export function secretBox(testid: string, heading: string, label: string, secret: string, instructions: (Node | string)[]): HTMLElement {
  const box = h('div', { class: 'usa-summary-box margin-y-2', role: 'region', 'aria-label': heading, 'data-testid': testid, tabindex: '-1' },
    h('div', { class: 'usa-summary-box__body' },
      h('h3', { class: 'usa-summary-box__heading' }, heading),
      h('div', { class: 'usa-summary-box__text' },
        h('p', {}, label, ' ', h('code', { class: 'hf-secret', 'data-testid': `${testid}-value` }, secret)),
        ...instructions.map((i) => (typeof i === 'string' ? h('p', {}, i) : i)))));
  const hide = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, 'I have handed it over: remove it from the screen');
  hide.addEventListener('click', () => {
    const parent = box.parentElement;
    box.remove();
    parent?.append(alert('info', 'Removed from the screen', 'It is not kept anywhere else; reset it again if it was lost.'));
  });
  box.querySelector('.usa-summary-box__body')?.append(hide);
  return box;
}
