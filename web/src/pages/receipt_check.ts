// "Check a receipt": anyone enters a receipt number and this page proves, with the browser's own SHA-256, that
// the payment is in the city's append-only log: GET /api/v1/verify/receipt/{number} gives the payment's
// event hash, its inclusion proof and the node's latest signed checkpoint, and the page recomputes the log's
// root from them (src/merkle.ts).
import { api, ApiError } from '../api';
import { alert, h, numberForm, showAlert } from '../dom';
import type { Navigate } from '../main';
import { checkInclusion, type InclusionProof } from '../merkle';
import { pageTitle } from '../site';

export async function renderReceiptCheck(main: HTMLElement, navigate: Navigate, number: string | null): Promise<void> {
  document.title = pageTitle('Check a receipt');
  const { form, result } = numberForm('receipt', 'As printed on the receipt, for example r-central-12', 'Check',
    '/receipts', number, navigate);
  main.append(
    h('h1', {}, 'Check a receipt'),
    h('p', {}, 'Every payment the city takes is written to a log that cannot be changed without it showing. ' +
      'This page checks, in your browser, that a receipt is in that log.'),
    form,
    result,
  );
  if (number === null) return;
  try {
    const proof = await api<InclusionProof>('GET', `/api/v1/verify/receipt/${encodeURIComponent(number)}`);
    const checked = await checkInclusion(proof);
    if (checked.ok && checked.checkpoint) {
      showAlert(result, alert('success', `Receipt ${number} is in the city’s record`,
        `It is entry ${proof.leaf_index + 1} of the ${checked.checkpoint.size} in the log ` +
        `${checked.checkpoint.origin}; the proof leads to the root of the log’s latest checkpoint.`));
    } else {
      showAlert(result, alert('error', `Receipt ${number} could not be proven`,
        `The proof the city’s server gave does not check: ${checked.reason}. Keep your receipt and ask at City Hall.`));
    }
  } catch (e) {
    const notFound = e instanceof ApiError && e.status === 404;
    showAlert(result, alert('error', notFound ? 'No such receipt' : 'The receipt could not be checked',
      notFound ? `There is no receipt numbered ${number} in this office’s record. Check the number and try again.`
        : e instanceof Error ? e.message : String(e)));
  }
}
