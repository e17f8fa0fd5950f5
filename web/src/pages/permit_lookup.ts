// "Look up a permit": anyone enters a permit number and sees its public record (GET
// /api/v1/public/permits/{number}): status, type, work, address, dates, contractor and inspections. The
// number is also in the address (/permits/BP-central-1), so a lookup can be bookmarked or shared.
import { api, ApiError, dollars } from '../api';
import { alert, h, numberForm, record, scrollable, showAlert } from '../dom';
import type { Navigate } from '../main';
import { pageTitle } from '../site';

interface PublicInspection {
  id: string;
  type: string;
  status: string;
  day?: string | null;
  window?: string | null;
  result?: string | null;
  inspected_on?: string | null;
}

interface PublicPermit {
  number: string;
  type_name: string;
  status: string;
  work_class?: string;
  description?: string;
  address?: { line1?: string; line2?: string; city?: string; state?: string; zip?: string };
  applied_on?: string;
  issued_on?: string | null;
  finaled_on?: string | null;
  expires_on?: string | null;
  est_project_cost_cents?: number;
  contractor?: { name?: string; license_number?: string } | null;
  inspections: PublicInspection[];
}

const STATUS_WORDS: Record<string, string> = {
  applied: 'Applied, under review',
  issued: 'Issued',
  finaled: 'Finaled (work complete)',
  expired: 'Expired',
  void: 'Void',
};

export async function renderPermitLookup(main: HTMLElement, navigate: Navigate, number: string | null): Promise<void> {
  document.title = pageTitle('Look up a permit');
  const { form, result } = numberForm('permit', 'As printed on the permit, for example BP-central-1', 'Look up',
    '/permits', number, navigate);
  main.append(h('h1', {}, 'Look up a permit'), form, result);
  if (number === null) return;
  try {
    const permit = await api<PublicPermit>('GET', `/api/v1/public/permits/${encodeURIComponent(number)}`);
    result.replaceChildren(...permitRecord(permit));
  } catch (e) {
    const notFound = e instanceof ApiError && e.status === 404;
    showAlert(
      result,
      alert('error', notFound ? 'No such permit' : 'The permit could not be shown',
        notFound ? `There is no permit numbered ${number}. Check the number on the permit and try again.`
          : e instanceof Error ? e.message : String(e)),
    );
  }
}

function permitRecord(p: PublicPermit): HTMLElement[] {
  const a = p.address ?? {};
  const address = [a.line1, a.line2, [a.city, a.state].filter(Boolean).join(', '), a.zip].filter(Boolean).join(' ');
  const rows: [string, string][] = [
    ['Status', STATUS_WORDS[p.status] ?? p.status],
    ['Type', p.type_name + (p.work_class ? ` (${p.work_class})` : '')],
    ['Work', p.description ?? ''],
    ['Address', address],
    ['Applied', p.applied_on ?? ''],
    ['Issued', p.issued_on ?? 'Not yet'],
    ['Expires', p.expires_on ?? '—'],
    ['Finaled', p.finaled_on ?? 'Not yet'],
    ['Contractor', p.contractor?.name ? `${p.contractor.name} (license ${p.contractor.license_number ?? '—'})` : 'None'],
  ];
  if (p.est_project_cost_cents) rows.push(['Estimated cost', dollars(p.est_project_cost_cents)]);
  const details = record(rows, 'permit-record');
  const inspections =
    p.inspections.length === 0
      ? h('p', {}, 'No inspections have been requested yet.')
      : scrollable(`Inspections of permit ${p.number}`, h(
          'table',
          { class: 'usa-table usa-table--borderless', 'data-testid': 'permit-inspections' },
          h('caption', {}, `Inspections of permit ${p.number}`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Inspection'), h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, 'Result'))),
          h('tbody', {}, ...p.inspections.map((i) =>
            h('tr', {},
              h('th', { scope: 'row' }, i.type),
              h('td', {}, i.status),
              h('td', {}, i.day ? `${i.day} ${i.window === 'PM' ? 'afternoon' : 'morning'}` : '—'),
              h('td', {}, i.result ? `${i.result}${i.inspected_on ? ` on ${i.inspected_on}` : ''}` : '—')))),
        ));
  return [h('h2', {}, `Permit ${p.number}`), details, h('h3', {}, 'Inspections'), inspections];
}
