import type { Router } from 'express';
import type { Services } from '../../compose';
import type { ViewRenderer } from '../views';
import { adminPages } from './admin';
import { apologyPages } from './apologies';
import { dossierPages } from './dossiers';
import { importPages } from './import';
import { messagePages } from './messages';
import { reportPages } from './reports';

/**
 * Each group of staff pages registers its routes on the signed-in, CSRF-checked staff router.
 * A group checks nothing about roles itself: the use cases it calls do.
 */
export type PageGroup = (r: Router) => void;

export function staffPageGroups(s: Services, views: ViewRenderer): PageGroup[] {
  // The import pages before the dossier pages: /ho-so/nhap is not a dossier code.
  return [adminPages({ services: s, views }), importPages(s, views), dossierPages(s, views), apologyPages(s, views), messagePages(s, views), reportPages(s, views)];
}
