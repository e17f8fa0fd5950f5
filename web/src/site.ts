// The city's name, as the node says (GET /api/v1/public/status), for page titles and the site's name.
import { api, type PublicStatus } from './api';

let name = '';

// Asks the node once; the logo shows the name from then on. Without an answer the site is "City services".
export async function cityName(): Promise<string> {
  if (name) return name;
  try {
    const status = await api<PublicStatus>('GET', '/api/v1/public/status');
    name = status.city ?? '';
  } catch {
    name = '';
  }
  const logo = document.querySelector('.usa-logo__text a');
  if (logo) logo.textContent = siteName();
  return name;
}

export function siteName(): string {
  return name ? `${name} city services` : 'City services';
}

// "Pay my water bill" -> "Pay my water bill | Springfield city services".
export function pageTitle(page: string): string {
  return `${page} | ${siteName()}`;
}
