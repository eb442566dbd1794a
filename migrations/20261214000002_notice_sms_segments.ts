import type { Knex } from 'knex';

/** The SMS segments a notice on the SMS channel costs (what the province pays for), for the reports. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.integer('sms_segments').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices', (t) => {
    t.dropColumn('sms_segments');
  });
}
