// Global test setup: nothing here may depend on the machine's timezone.
import { closeSharedPdf, removeDatabaseTemplate } from './support/context';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await closeSharedPdf();
    removeDatabaseTemplate();
  },
};
