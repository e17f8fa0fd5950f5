// Sign in (POST /api/v1/sessions); when the server requires a new password first, choose one
// (PUT /api/v1/users/me/password) and go on.
import { api, ApiError, type User } from '../api';
import { isStaff } from '../areas/area';
import { alert, field, h, showAlert, value } from '../dom';
import type { Navigate } from '../main';
import { currentUser, setCurrentUser } from '../session';
import { pageTitle } from '../site';

// Where to go once signed in: the page that sent the user here, else staff to the console and everyone else
// to their account.
function nextPath(user: User | null): string {
  const fallback = isStaff(user) ? '/staff' : '/account';
  const next = new URLSearchParams(location.search).get('next') ?? fallback;
  return next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}

export function renderSignIn(main: HTMLElement, navigate: Navigate): void {
  document.title = pageTitle('Sign in');
  const messages = h('div', { class: 'margin-bottom-2' });
  const form = h(
    'form',
    { class: 'usa-form', novalidate: true, 'aria-labelledby': 'sign-in-heading' },
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-sr-only' }, 'Your sign-in'),
      field('username', 'Username', { autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' }),
      field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
      field('totp', 'Authentication code (optional)', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6' },
        'Staff: the 6-digit code from your authenticator app.'),
      h('button', { class: 'usa-button', type: 'submit' }, 'Sign in'),
    ),
  );
  main.append(h('h1', { id: 'sign-in-heading' }, 'Sign in'), messages, form);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = value(form, 'username').trim();
    const password = value(form, 'password');
    const totp = value(form, 'totp').trim();
    if (!username || !password) {
      showAlert(messages, alert('error', 'Could not sign in', 'Enter your username and password.'));
      return;
    }
    const body: Record<string, string> = { username, password };
    if (totp) body.totp = totp;
    const button = form.querySelector('button') as HTMLButtonElement;
    button.disabled = true;
    try {
      const session = await api<{ token: string; user: User & { must_change_password?: boolean } }>(
        'POST', '/api/v1/sessions', body);
      setCurrentUser(session.user);
      if (session.user.must_change_password) {
        renderNewPassword(main, navigate, password);
        return;
      }
      navigate(nextPath(session.user));
    } catch (err) {
      const problem = err instanceof ApiError ? err : new ApiError(0, { detail: String(err) });
      if (problem.status === 403 && problem.kind === 'password-change-required') {
        setCurrentUser(null);
        renderNewPassword(main, navigate, password);
        return;
      }
      showAlert(messages, alert('error', 'Could not sign in', problem.message));
    } finally {
      button.disabled = false;
    }
  });
}

// The server signed the user in but asks for a new password before anything else.
function renderNewPassword(main: HTMLElement, navigate: Navigate, current: string): void {
  document.title = pageTitle('Choose a new password');
  const messages = h('div', { class: 'margin-bottom-2' });
  const form = h(
    'form',
    { class: 'usa-form', novalidate: true },
    h('fieldset', { class: 'usa-fieldset' },
      h('legend', { class: 'usa-sr-only' }, 'Your new password'),
      field('new-password', 'New password', { type: 'password', autocomplete: 'new-password', required: true }),
      field('confirm-password', 'New password again', { type: 'password', autocomplete: 'new-password', required: true }),
      h('button', { class: 'usa-button', type: 'submit' }, 'Save the new password'),
    ),
  );
  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'Choose a new password'),
    h('p', {}, 'Your password must be changed before you go on.'),
    messages,
    form,
  );
  (main.querySelector('h1') as HTMLElement).focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const next = value(form, 'new-password');
    if (next !== value(form, 'confirm-password')) {
      showAlert(messages, alert('error', 'The passwords differ', 'Type the same new password twice.'));
      return;
    }
    try {
      await api('PUT', '/api/v1/users/me/password', { current_password: current, new_password: next });
      setCurrentUser(undefined);
      navigate(nextPath(await currentUser().catch(() => null)));
    } catch (err) {
      showAlert(messages, alert('error', 'The password was not changed', err instanceof Error ? err.message : String(err)));
    }
  });
}
