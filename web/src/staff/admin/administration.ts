// Administration: the city's time zone (GET /api/v1/city, PUT /api/v1/city/time-zone), user accounts
// (GET/POST /api/v1/users, password and authenticator resets), the city's nodes
// (GET /api/v1/nodes, invitations for new offices: POST /api/v1/nodes/invitations), sync with the peers
// (GET /api/v1/sync/status) and backups to the vaults (GET /api/v1/backup/status). Admins change things;
// supervisors and auditors read what the API lets them read. One-time passwords and invitation tokens are shown
// once, only in the page, and are gone when it is left.
import { api, type User } from '../../api';
import { hasRole } from '../../areas/area';
import { moment } from '../../dates';
import { alert, checkbox, checkedValues, field, h, record, selectField, showAlert, showError, value } from '../../dom';
import { pageTitle } from '../../site';
import type { BackupStatus, PeerState, SyncStatus, VaultState } from '../status_strip';
import { loadInto, secretBox, table, words } from './common';

interface Account {
  id: string;
  username: string;
  display_name?: string;
  roles: string[];
  totp_enrolled?: boolean;
  must_change_password?: boolean;
  disabled?: boolean;
  locked_until?: number;
}

interface NodeRecord {
  id: string;
  role: string;
  public_key: string;
  enrolled_at: number;
  revoked: { up_to_seq: number; at: number; reason: string } | null;
}

interface Quarantine {
  feed: string;
  seq: number;
  found_at: number;
}

// The status strip's types, with the fields this page shows besides.
interface Peer extends PeerState {
  behind?: number;
  ahead?: number;
}
interface Sync extends Omit<SyncStatus, 'peers' | 'quarantined'> {
  peers: Peer[];
  quarantined: Quarantine[];
}
interface Vault extends VaultState {
  generation?: number;
  pushes?: number;
  failures?: number;
  image_events?: number;  // the vault's latest image of the database: the events it holds, and when
  last_image_ms?: number;
}

interface Invitation {
  node: string;
  role: string;
  token: string;
  expires_at: number;
}

const ROLES: [string, string][] = [
  ['clerk', 'Counter clerk: drawers, payments, licenses'],
  ['supervisor', 'Supervisor: approvals, incidents, conflicts'],
  ['permit_tech', 'Permit technician'],
  ['inspector', 'Inspector'],
  ['auditor', 'Auditor: reads everything'],
  ['admin', 'Administrator: users, nodes, backups'],
];

export function renderAdministration(main: HTMLElement, user: User | null): void {
  document.title = pageTitle('Administration');
  const admin = hasRole(user, ['admin']);
  const sections: [string, string][] = [['city', 'City'], ['users', 'Users'], ['nodes', 'Nodes'], ['sync', 'Sync'], ['backups', 'Backups']];
  main.append(
    h('h1', {}, 'Administration'),
    h('p', { class: 'usa-intro' }, admin
      ? 'The city’s clock, staff accounts, the city’s nodes, sync between offices and backups to the vaults.'
      : 'What this node reports about its city, users, nodes, sync and backups. Only administrators can change them.'),
    h('nav', { 'aria-label': 'On this page' },
      h('ul', { class: 'hf-nav__list' }, ...sections.map(([id, label]) =>
        h('li', {}, h('a', { class: 'usa-link', href: `#${id}` }, label))))),
    citySection(admin),
    usersSection(user, admin),
    nodesSection(admin),
    syncSection(),
    backupsSection());
}

function section(id: string, heading: string, ...children: (Node | string)[]): HTMLElement {
  return h('section', { id, class: 'margin-top-5', 'aria-labelledby': `${id}-heading`, 'data-testid': `admin-${id}` },
    h('h2', { id: `${id}-heading` }, heading), ...children);
}

// --- the city

interface City {
  name: string;
  time_zone: string;
  zone_name: string;
  today: string;
}

// The city's time zone: every local date of its records (license terms, due dates, drawer days) is taken in
// it. Administrators set it by its tz database name.
function citySection(admin: boolean): HTMLElement {
  const messages = h('div', { class: 'margin-y-2', 'data-testid': 'city-messages' });
  const facts = h('div', { 'aria-live': 'polite' });
  const reload = () => loadInto(facts, 'the city', async () => {
    const c = await api<City>('GET', '/api/v1/city');
    const zone = !c.time_zone ? 'Not set: dates are UTC’s (or the inspection calendar’s zone, if it has one)'
      : c.zone_name && c.zone_name !== c.time_zone ? `${c.zone_name} (${c.time_zone})` : c.time_zone;
    return [record([['City', c.name], ['Time zone', zone], ['Today in the city', c.today]], 'city')];
  });
  void reload();
  if (!admin) return section('city', 'City', facts);
  const form = h('form', { class: 'usa-form', novalidate: true, 'data-testid': 'time-zone-form' },
    field('city-time-zone', 'Time zone', { required: true, autocomplete: 'off', maxlength: '64' },
      'Its name in the time zone database, for example America/Chicago or America/New_York. Dates already recorded stay as they are.'),
    h('button', { class: 'usa-button', type: 'submit' }, 'Set the time zone'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const zone = value(form, 'city-time-zone').trim();
    if (!zone) {
      showAlert(messages, alert('error', 'Enter a time zone', 'For example America/Chicago.'));
      return;
    }
    try {
      const c = await api<City>('PUT', '/api/v1/city/time-zone', { time_zone: zone });
      showAlert(messages, alert('success', `The city’s clock is now ${c.zone_name}`, `Today in the city is ${c.today}.`));
      await reload();
    } catch (err) {
      showError(messages, 'The time zone was not changed', err);
    }
  });
  return section('city', 'City', messages, facts, form);
}

// --- users

function usersSection(user: User | null, admin: boolean): HTMLElement {
  if (!hasRole(user, ['admin', 'auditor'])) {
    return section('users', 'Users', h('p', {}, 'Staff accounts are managed by administrators. Ask one to add a user, change roles or reset a password.'));
  }
  const messages = h('div', { class: 'margin-y-2', 'data-testid': 'user-messages' });
  const list = h('div', { 'aria-live': 'polite' });
  const reload = () => loadInto(list, 'the user accounts', async () => {
    const { items } = await api<{ items: Account[] }>('GET', '/api/v1/users');
    const columns = ['Username', 'Name', 'Roles', 'Authenticator', 'Account'];
    if (admin) columns.push('Reset');
    return [table(`${items.length} user accounts`, columns, items.map((u) => {
      const row: (Node | string)[] = [u.username, u.display_name ?? '', u.roles.map(words).join(', '),
        u.totp_enrolled ? 'Enrolled' : 'None', accountState(u)];
      if (admin) {
        row.push(u.id === user?.id
          ? 'Your own account: another administrator resets it.'
          : resetCell(u, messages, reload));
      }
      return row;
    }), { 'data-testid': 'users' })];
  });
  void reload();
  return section('users', 'Users', messages, list, admin ? addUserForm(messages, reload) : h('p', {}, 'Only administrators can add users or reset passwords.'));
}

function accountState(u: Account): string {
  if (u.disabled) return 'Disabled';
  if (u.locked_until && u.locked_until > Date.now()) return `Locked until ${moment(u.locked_until)}`;
  if (u.must_change_password) return 'Must choose a password at next sign-in';
  return 'Active';
}

// Reset buttons that ask once more before acting, since the user's current password or device stops working.
function resetCell(u: Account, messages: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const cell = h('div', { class: 'hf-admin-actions' });
  const ask = (question: string, confirmText: string, act: () => Promise<void>, back: HTMLElement) => {
    const yes = h('button', { class: 'usa-button usa-button--secondary', type: 'button' }, confirmText);
    const no = h('button', { class: 'usa-button usa-button--unstyled', type: 'button' }, 'Cancel');
    const box = h('div', { role: 'group', 'aria-label': question }, h('p', { class: 'margin-y-1' }, question), yes, no);
    no.addEventListener('click', () => { box.replaceWith(back); back.querySelector('button')?.focus(); });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await act();
      } catch (e) {
        showError(messages, `Nothing was reset for ${u.username}`, e);
        box.replaceWith(back);
      }
    });
    back.replaceWith(box);
    yes.focus();
  };
  const buttons = h('div', {});
  const password = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, `Reset password for ${u.username}`);
  password.addEventListener('click', () => ask(`Reset ${u.username}’s password? Their current password stops working.`, 'Yes, reset the password', async () => {
    // No Idempotency-Key: the node would keep the answer, one-time password and all, for a day.
    const done = await api<Account & { one_time_password: string }>('PUT', `/api/v1/users/${encodeURIComponent(u.id)}/password`);
    await reload();
    showOneTimePassword(messages, done.username, done.one_time_password, 'Password reset');
  }, buttons));
  buttons.append(password);
  if (u.totp_enrolled) {
    const totp = h('button', { class: 'usa-button usa-button--outline', type: 'button' }, `Reset authenticator for ${u.username}`);
    totp.addEventListener('click', () => ask(`Remove ${u.username}’s authenticator? They sign in without a code and enroll a new device.`, 'Yes, remove it', async () => {
      await api('DELETE', `/api/v1/users/${encodeURIComponent(u.id)}/totp`, undefined, { 'Idempotency-Key': crypto.randomUUID() });
      await reload();
      showAlert(messages, alert('success', 'Authenticator removed', `${u.username} signs in with their password alone until they enroll a new authenticator.`));
    }, buttons));
    buttons.append(totp);
  }
  cell.append(buttons);
  return cell;
}

function showOneTimePassword(messages: HTMLElement, username: string, password: string, heading: string): void {
  const box = secretBox('one-time-password', heading, `One-time password for ${username}:`, password, [
    `Give it to ${username} in person or read it to them; it is shown only now. It works once: at their first sign-in they choose their own password.`,
  ]);
  messages.replaceChildren(box);
  box.focus();
}

function addUserForm(messages: HTMLElement, reload: () => Promise<void>): HTMLFormElement {
  const form = h('form', { class: 'usa-form usa-form--large', novalidate: true, 'aria-labelledby': 'add-user-heading', 'data-testid': 'add-user' },
    h('h3', { id: 'add-user-heading' }, 'Add a user'),
    field('new-username', 'Username', { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '64' },
      'What they type to sign in, e.g. jsmith.'),
    field('new-display-name', 'Full name (optional)', { autocomplete: 'off', maxlength: '200' }),
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-legend' }, 'Roles'),
      h('span', { class: 'usa-hint' }, 'Choose at least one. A supervisor who also works the counter needs both.'),
      ...ROLES.map(([v, label]) => checkbox(`new-role-${v}`, 'new-roles', v, label))),
    h('button', { class: 'usa-button', type: 'submit' }, 'Add user'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = value(form, 'new-username').trim();
    const displayName = value(form, 'new-display-name').trim();
    const roles = checkedValues(form, 'new-roles');
    const problems: string[] = [];
    if (!username) problems.push('Enter a username.');
    if (roles.length === 0) problems.push('Choose at least one role.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the new user', problems.join(' ')));
      return;
    }
    const body: Record<string, unknown> = { username, roles };
    if (displayName) body.display_name = displayName;
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      // No Idempotency-Key: the node would keep the answer, one-time password and all, for a day. Sent twice,
      // the second is refused as username-taken, so nothing is made twice.
      const made = await api<Account & { one_time_password: string }>('POST', '/api/v1/users', body);
      form.reset();
      await reload();
      showOneTimePassword(messages, made.username, made.one_time_password, `User ${made.username} added`);
    } catch (err) {
      showError(messages, 'The user was not added', err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// --- nodes

function nodesSection(admin: boolean): HTMLElement {
  const messages = h('div', { class: 'margin-y-2', 'data-testid': 'node-messages' });
  const list = h('div', { 'aria-live': 'polite' });
  void loadInto(list, 'the nodes', async () => {
    const { items } = await api<{ items: NodeRecord[] }>('GET', '/api/v1/nodes');
    if (items.length === 0) return [h('p', {}, 'No node is enrolled yet.')];
    return [table('Nodes enrolled in the city, oldest first', ['Node', 'Role', 'Enrolled', 'State'],
      items.map((n) => [n.id, n.role, moment(n.enrolled_at), n.revoked
        ? `Revoked ${moment(n.revoked.at)} (events up to ${n.revoked.up_to_seq} kept): ${n.revoked.reason}`
        : 'Active']), { 'data-testid': 'nodes' })];
  });
  return section('nodes', 'Nodes',
    h('p', {}, 'Every office runs its own node; a vault node keeps backups. Each is enrolled with the city key.'),
    list, messages,
    admin ? inviteForm(messages) : h('p', {}, 'Only administrators can invite a new office.'));
}

function inviteForm(messages: HTMLElement): HTMLFormElement {
  const form = h('form', { class: 'usa-form usa-form--large', novalidate: true, 'aria-labelledby': 'invite-heading', 'data-testid': 'invite-node' },
    h('h3', { id: 'invite-heading' }, 'Invite a new office'),
    field('invite-node', 'Name of the new node', { autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '64' },
      'Short and lowercase, e.g. animal-control or north-branch. Its receipts and licenses carry this name.'),
    selectField('invite-role', 'Kind of node', [['office', 'Office (serves a counter)'], ['vault', 'Vault (keeps backups)']]),
    field('invite-hours', 'Valid for (hours)', { inputmode: 'numeric', value: '72', maxlength: '3' }, '1 to 720. The token works once, within this time.'),
    h('button', { class: 'usa-button', type: 'submit' }, 'Make invitation'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const node = value(form, 'invite-node').trim();
    const hours = value(form, 'invite-hours').trim();
    const problems: string[] = [];
    if (!node) problems.push('Enter a name for the new node.');
    if (!/^\d{1,3}$/.test(hours) || Number(hours) < 1 || Number(hours) > 720) problems.push('Enter how many hours it is valid, 1 to 720.');
    if (problems.length) {
      showAlert(messages, alert('error', 'Check the invitation', problems.join(' ')));
      return;
    }
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    try {
      // No Idempotency-Key, so no copy of the token's answer is kept anywhere.
      const inv = await api<Invitation>('POST', '/api/v1/nodes/invitations', { node, role: value(form, 'invite-role'), valid_hours: Number(hours) });
      form.reset();
      const command = `holdfast join --data /var/lib/holdfast --central ${location.origin} --token ${inv.token}`;
      const box = secretBox('invitation', `Invitation for ${inv.node}`, 'Token:', inv.token, [
        `It is shown only now and works once, until ${moment(inv.expires_at)}. On the new ${inv.role === 'vault' ? 'vault' : 'office'}’s machine, run:`,
        h('pre', { class: 'hf-command', 'data-testid': 'join-command' }, command),
        'then start it with holdfast serve --data /var/lib/holdfast. If this address is not the one the new machine reaches, use the one it does.',
      ]);
      messages.replaceChildren(box);
      box.focus();
    } catch (err) {
      showError(messages, 'No invitation was made', err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// --- sync

function peerName(p: PeerState): string {
  return p.node ? `${p.node} (${p.url})` : p.url;
}

function syncSection(): HTMLElement {
  const body = h('div', { 'aria-live': 'polite' });
  void loadInto(body, 'the sync status', async () => {
    const s = await api<Sync>('GET', '/api/v1/sync/status');
    const out: Node[] = [h('p', {}, `This node is ${s.node}. It syncs every few seconds with each peer; a peer that does not answer costs the counter nothing, and what waits reaches it when the link returns.`)];
    out.push(s.peers.length === 0
      ? h('p', { 'data-testid': 'no-peers' }, 'No peers are listed for this node: the offices reach it, it does not reach them.')
      : table('Peers', ['Peer', 'Answering', 'Last contact', 'They had that we lacked', 'We had that they lacked', 'Waiting to reach them', 'Last error'],
        s.peers.map((p) => [peerName(p), p.up ? 'Yes' : 'No', moment(p.last_contact_at), String(p.behind ?? 0), String(p.ahead ?? 0),
          String(p.waiting ?? 0), p.last_error || 'none']), { 'data-testid': 'peers' }));
    const feeds = Object.entries(s.feeds);
    out.push(table('Feeds this node holds (each node writes one)', ['Feed', 'Events sealed'], feeds.map(([f, seq]) => [f, String(seq)]), { 'data-testid': 'feeds' }));
    out.push(s.quarantined.length === 0
      ? h('p', { 'data-testid': 'no-quarantine' }, 'No feed is quarantined.')
      : h('div', {},
        alert('error', 'Quarantined feeds', 'Two different signed events were found at one place in these feeds: the node’s key is in two places. The feed is refused until this is investigated; revoke the node if its key was stolen.'),
        table('Quarantined feeds', ['Feed', 'At event', 'Found'], s.quarantined.map((q) => [q.feed, String(q.seq), moment(q.found_at)]), { 'data-testid': 'quarantined' })));
    return out;
  });
  return section('sync', 'Sync', body);
}

// --- backups

function backupsSection(): HTMLElement {
  const body = h('div', { 'aria-live': 'polite' });
  void loadInto(body, 'the backup status', async () => {
    const b = await api<Omit<BackupStatus, 'vaults'> & { vaults: Vault[] }>('GET', '/api/v1/backup/status');
    if (b.vaults.length === 0) {
      return [h('div', { 'data-testid': 'no-vaults' }, alert('warning', 'This node is not backed up',
        'No vault is set up for it. Start holdfast serve with --vault (a directory or a vault service) so every change is pushed within seconds; see docs/backup.md.'))];
    }
    return [table('Vaults this node pushes to', ['Vault', 'State', 'Last backup', 'Last attempt', 'Events held', 'Latest image', 'Generation', 'Pushes / failures', 'Last error'],
      b.vaults.map((v) => [v.target, v.ok ? 'Working' : v.last_attempt_ms ? 'Failing' : 'Not tried yet', moment(v.last_success_ms), moment(v.last_attempt_ms),
        String(v.events), v.image_events ? `${v.image_events} events, ${moment(v.last_image_ms ?? 0)}` : 'None yet',
        String(v.generation ?? ''), `${v.pushes ?? 0} / ${v.failures ?? 0}`, v.last_error || 'none']), { 'data-testid': 'vaults' })];
  });
  return section('backups', 'Backups', body);
}
