// What the supervisor and administrator pages share: tables with row headings that scroll on a phone, loading
// into a region, and secrets shown once.
import { alert, explain, h, scrollable } from '../../dom';

// A table with a caption and column headings; the first cell of each row is its row heading. Wide tables
// scroll sideways inside their own box instead of widening the page; the box takes focus so the keyboard can
// scroll it too.
export function table(
  caption: string,
  columns: string[],
  rows: (Node | string)[][],
  attrs: Record<string, string> = {},
): HTMLElement {
  return scrollable(caption,
    h('table', { class: 'usa-table usa-table--borderless hf-admin-table', ...attrs },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows.map((cells) => h('tr', {},
        ...cells.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))))))));
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
