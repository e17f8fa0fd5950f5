// The public portal for pet owners: their pets and licenses, and renewing a license online.
import { renderMyPets, renderRenewal } from '../public/pets/pets';
import { param, type Area } from './area';

export const petsArea: Area = {
  pages: [
    { path: /^\/pets$/, roles: ['public'], render: (main, navigate, _m, user) => renderMyPets(main, navigate, user) },
    { path: /^\/pets\/licenses\/([^/]+)$/, roles: ['public'], render: (main, navigate, m) => renderRenewal(main, navigate, param(m)) },
  ],
};
