import { defineService, runService } from '@fountain/service';
import { registerRoutes, SEQUENCE_DESCRIPTION, SEQUENCE_TITLE } from './app.ts';
import { SequenceConfigSchema } from './config.ts';
import { createStore, MIGRATIONS_DIR } from './db/store.ts';
import { searchDeclaration } from './domain/search-documents.ts';

/** The Central Sequence Service on the blueprint: config, migrations, the sync declaration, routes. */
export const sequenceService = defineService({
  name: 'sequence',
  title: SEQUENCE_TITLE,
  description: SEQUENCE_DESCRIPTION,
  config: SequenceConfigSchema,
  migrations: MIGRATIONS_DIR,
  tables: (c) => [searchDeclaration(c.TYPESENSE_COLLECTION_NAME, c.SERVICE_NAME)],
  routes: (app, { db, sync, config }) => {
    const store = createStore(db, { lockWaitMs: config.DB_LOCK_WAIT_MS });
    app.addHook('onClose', () => store.close());
    return registerRoutes(app, { store, sync, search: sync.backend, collection: config.TYPESENSE_COLLECTION_NAME, indexWaitMs: config.INDEX_WAIT_TIMEOUT_MS });
  },
});

await runService(sequenceService);
