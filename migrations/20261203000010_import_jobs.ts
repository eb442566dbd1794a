import type { Knex } from 'knex';

/**
 * Uploaded dossier lists being imported, and their results. Held in one process's memory, the
 * progress page answered "not found" when a load balancer sent it to another instance, and the
 * result was gone after a restart.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('import_jobs', (t) => {
    t.string('id', 32).primary();
    t.integer('user_id').notNullable();
    t.string('file_name', 255).notNullable();
    t.bigInteger('bytes').notNullable();
    t.bigInteger('bytes_read').notNullable();
    t.bigInteger('started_at').notNullable();
    // The running process writes at least this often; a job not finished and not written for a
    // while was stopped with its process.
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finished_at');
    // JSON: the counts so far; the first rejected rows; why the file could not be imported.
    t.text('progress').notNullable();
    t.text('rejections');
    t.text('failure');
    t.index(['finished_at'], 'import_jobs_finished');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('import_jobs');
}
