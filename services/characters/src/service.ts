import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crudRoutes, defineService, searchRoute, serviceConfig } from '@fountain/service';
import { Type } from 'typebox';

/** A character as callers write it (seeds/004: characterId, name, description, dialogueText). */
export const CharacterBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: "The character's name, unique within its script", examples: ['Elias'] }),
    description: Type.String({ maxLength: 10_000, default: '', examples: ['The lighthouse keeper, sixty, weathered.'] }),
    dialogueText: Type.String({ maxLength: 100_000, default: '', description: 'Lines the character speaks' }),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50, uniqueItems: true, default: [], examples: [['protagonist']] }),
    scriptId: Type.Optional(Type.Integer({ minimum: 1, description: 'The owning script (Core Script Management, port 8005)' })),
  },
  { additionalProperties: false },
);

/** The Character Service (port 8004): seeds/004's characters, CRUD and search, synced by declaration. */
export const characters = defineService({
  name: 'characters',
  title: 'Character Service',
  description: "The characters of FountainAI's stories (seeds/004), kept in SQLite and searchable through the Search Gateway.",
  config: serviceConfig({ name: 'characters', port: 8004, collection: 'characters', serviceName: 'character_service' }),
  migrations: join(dirname(fileURLToPath(import.meta.url)), 'migrations'),
  tables: (c) => [{ table: 'characters', collection: c.TYPESENSE_COLLECTION_NAME, fields: { tags: { type: 'string[]', facet: true }, scriptId: { facet: true } } }],
  routes: (app, { db, sync, config }) => {
    crudRoutes(app, db, { noun: 'character', plural: 'characters', table: 'characters', id: 'characterId', body: CharacterBody, json: ['tags'], filters: ['scriptId'] });
    searchRoute(app, { backend: sync.backend, collection: config.TYPESENSE_COLLECTION_NAME, queryBy: 'name,description,dialogueText,tags', summary: 'Search characters' });
  },
});
