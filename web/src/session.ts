// Who is signed in, as the server says (GET /api/v1/users/me with the session cookie).
import { api, ApiError, type User } from './api';

let current: User | null | undefined;

export async function currentUser(): Promise<User | null> {
  if (current !== undefined) return current;
  try {
    current = await api<User>('GET', '/api/v1/users/me');
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) throw e;
    current = null;
  }
  return current;
}

// undefined: ask the server again next time.
export function setCurrentUser(user: User | null | undefined): void {
  current = user;
}

// A "Sign out" button: ends this session on the node (DELETE /api/v1/sessions/current) and goes home.
export function signOutButton(navigate: (path: string) => void): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'usa-button usa-button--outline';
  button.textContent = 'Sign out';
  button.setAttribute('data-testid', 'sign-out');
  button.addEventListener('click', async () => {
    await api('DELETE', '/api/v1/sessions/current').catch(() => {});
    setCurrentUser(null);
    navigate('/');
  });
  return button;
}
