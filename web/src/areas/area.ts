// What the UI is made of: areas (the public portal, the counter, the permit desk, administration …), each a
// list of pages routed by path and, for staff, the links it adds to the staff navigation. main.ts draws the
// page whose pattern matches; a page with `roles` is shown only to a user holding one of them.
import type { User } from '../api';

export type Navigate = (path: string) => void;

export interface Page {
  // Matched against the path without its trailing slash; capture groups reach `render` as `match`.
  path: RegExp;
  // Who may see the page; absent: anyone, signed in or not. A visitor who is not signed in is sent to sign in.
  roles?: readonly string[];
  render: (main: HTMLElement, navigate: Navigate, match: RegExpExecArray, user: User | null) => void | Promise<void>;
}

export interface NavLink {
  href: string;
  label: string;
  roles: readonly string[]; // shown to users holding one of these
}

export interface Area {
  pages: Page[];
  staffNav?: NavLink[];
}

export const STAFF_ROLES = ['admin', 'supervisor', 'clerk', 'permit_tech', 'inspector', 'auditor'] as const;

export function hasRole(user: User | null, roles: readonly string[]): boolean {
  return !!user && user.roles.some((r) => roles.includes(r));
}

export function isStaff(user: User | null): boolean {
  return hasRole(user, STAFF_ROLES);
}

// The part of a matched path at `group`, decoded ("BP%2D1" -> "BP-1").
export function param(match: RegExpExecArray, group = 1): string {
  return decodeURIComponent(match[group] ?? '');
}
