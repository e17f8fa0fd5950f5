// The status strip staff see on every page: which peers answer, how many of this node's events wait to reach
// them, the last backup, and any incident in effect. It asks the node every few seconds
// (GET /api/v1/sync/status, /api/v1/backup/status, /api/v1/public/status) and shows a part it could not
// read as unknown rather than hiding it.
import { api, type PublicStatus } from '../api';
import { when } from '../dates';
import { h } from '../dom';

export interface PeerState {
  url: string;
  node?: string;
  up: boolean;
  last_attempt_at: number; // Unix ms; 0: never
  last_contact_at: number; // Unix ms; 0: never
  last_error?: string;
  waiting?: number; // this node's events the peer does not hold yet, as far as this node knows
}

export interface SyncStatus {
  node: string;
  feeds: Record<string, number>;
  peers: PeerState[];
  quarantined: unknown[];
}

export interface VaultState {
  target: string;
  ok: boolean;
  last_attempt_ms: number;
  last_success_ms: number;
  events: number;
  last_error?: string;
}

export interface BackupStatus {
  node: string;
  vaults: VaultState[];
}

const REFRESH_MS = 3000;
let timer: number | undefined;
let strip: HTMLElement | null = null;

function item(testid: string, label: string, text: string, problem: boolean): HTMLElement {
  return h('li', { class: `hf-status__item${problem ? ' hf-status__item--problem' : ''}`, 'data-testid': testid,
    'data-state': problem ? 'problem' : 'ok' },
    h('span', { class: 'hf-status__label' }, `${label}: `), text);
}

function peersItem(sync: SyncStatus | null): HTMLElement {
  if (!sync) return item('status-peers', 'Peers', 'unknown (the node did not answer)', true);
  if (sync.peers.length === 0) return item('status-peers', 'Peers', 'none; other nodes reach this one', false);
  const down = sync.peers.filter((p) => !p.up);
  const name = (p: PeerState) => p.node || p.url;
  if (down.length === 0) return item('status-peers', 'Peers', `${sync.peers.map(name).join(', ')} answering`, false);
  const parts = down.map((p) => p.last_contact_at
    ? `${name(p)} not answering since ${when(p.last_contact_at)}`
    : `${name(p)} not reached yet`);
  const up = sync.peers.filter((p) => p.up).map(name);
  if (up.length) parts.push(`${up.join(', ')} answering`);
  return item('status-peers', 'Peers', `${parts.join('; ')}. This office keeps working and catches up when the link returns.`, true);
}

function waitingItem(sync: SyncStatus | null): HTMLElement {
  if (!sync) return item('status-waiting', 'Waiting to sync', 'unknown', true);
  if (sync.peers.length === 0) return item('status-waiting', 'Waiting to sync', 'nothing (no peers)', false);
  const waiting = Math.max(0, ...sync.peers.map((p) => p.waiting ?? 0));
  if (waiting === 0) return item('status-waiting', 'Waiting to sync', 'none, all in sync', false);
  return item('status-waiting', 'Waiting to sync', `${waiting} event${waiting === 1 ? '' : 's'}`, true);
}

function backupItem(backup: BackupStatus | null): HTMLElement {
  if (!backup) return item('status-backup', 'Last backup', 'unknown', true);
  if (backup.vaults.length === 0) return item('status-backup', 'Last backup', 'no vault set up for this node', true);
  const last = Math.max(...backup.vaults.map((v) => v.last_success_ms));
  const failing = backup.vaults.filter((v) => !v.ok && v.last_attempt_ms > 0);
  const text = last > 0 ? when(last) : 'never';
  if (failing.length) return item('status-backup', 'Last backup', `${text}; failing: ${failing[0].last_error ?? 'unknown error'}`, true);
  return item('status-backup', 'Last backup', text, last === 0);
}

function incidentItem(status: PublicStatus | null): HTMLElement {
  if (!status) return item('status-incident', 'Incident', 'unknown', true);
  if (!status.incident_in_effect) return item('status-incident', 'Incident', 'none', false);
  const notices = status.incidents.map((i) => i.notice).filter(Boolean);
  return item('status-incident', 'Incident', `in effect${notices.length ? `: ${notices.join('; ')}` : ''}`, true);
}

async function refresh(): Promise<void> {
  if (!strip) return;
  const target = strip;
  const [sync, backup, status] = await Promise.all([
    api<SyncStatus>('GET', '/api/v1/sync/status').catch(() => null),
    api<BackupStatus>('GET', '/api/v1/backup/status').catch(() => null),
    api<PublicStatus>('GET', '/api/v1/public/status').catch(() => null),
  ]);
  if (strip !== target) return;
  const list = target.querySelector('ul');
  list?.replaceChildren(
    h('li', { class: 'hf-status__item', 'data-testid': 'status-node' }, h('span', { class: 'hf-status__label' }, 'Node: '),
      sync?.node ?? 'unknown'),
    peersItem(sync), waitingItem(sync), backupItem(backup), incidentItem(status));
  target.setAttribute('data-updated', String(Date.now()));
}

// Shows the strip in `slot` and keeps it fresh until hideStatusStrip().
export function showStatusStrip(slot: HTMLElement): void {
  if (strip && slot.contains(strip)) return;
  strip = h('section', { class: 'hf-status', 'aria-label': 'Node status', 'data-testid': 'status-strip' },
    h('div', { class: 'grid-container' }, h('ul', { class: 'hf-status__list' },
      h('li', { class: 'hf-status__item' }, 'Reading the node’s status…'))));
  slot.prepend(strip);
  void refresh();
  window.clearInterval(timer);
  timer = window.setInterval(() => void refresh(), REFRESH_MS);
}

export function hideStatusStrip(): void {
  window.clearInterval(timer);
  strip?.remove();
  strip = null;
}

// Ask now, after something that changes what the strip shows (a sale, an incident declared).
export function refreshStatusStrip(): void {
  void refresh();
}
