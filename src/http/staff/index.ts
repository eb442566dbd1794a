import type { Router } from 'express';
import type { Services } from '../../services';
import type { ViewRenderer } from '../views';

/**
 * Each group of staff pages registers its routes on the signed-in, CSRF-checked staff router.
 * A group checks nothing about roles itself: the use cases it calls do.
 */
export type PageGroup = (r: Router) => void;

export function staffPageGroups(_s: Services, _views: ViewRenderer): PageGroup[] {
  return [];
}
