import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crudRoutes, defineService, searchRoute, serviceConfig } from '@fountain/service';
import { Type } from 'typebox';

/** The Central Sequence Service's element types (its ElementTypeEnum, seeds/000): what a script links to. */
const ElementType = Type.Union(['script', 'section', 'character', 'action', 'spokenWord'].map((t) => Type.Literal(t)));

/** A script as callers write it. */
export const ScriptBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300, description: 'Unique per author', examples: ['The Lighthouse'] }),
    author: Type.String({ minLength: 1, maxLength: 200, examples: ['Ada Quill'] }),
    logline: Type.String({ maxLength: 1000, default: '', examples: ['A keeper waits out the storm of the century.'] }),
    sections: Type.Array(Type.Object({ heading: Type.String({ maxLength: 300 }), text: Type.String({ maxLength: 200_000 }) }, { additionalProperties: false }), { maxItems: 500, default: [] }),
    status: Type.Union([Type.Literal('draft'), Type.Literal('revised'), Type.Literal('final')], { default: 'draft' }),
    elements: Type.Array(Type.Object({ elementType: ElementType, elementId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), {
      maxItems: 1000,
      uniqueItems: true,
      default: [],
      description: "The sequence service's elements this script is made of (GET :8000/elements/{elementType}/{elementId})",
    }),
  },
  { additionalProperties: false },
);

/** Search sees the links as `elementRefs: ["script:1", ...]`, the prefix of the sequence service's document ids. */
const elementRefs = (row: Record<string, unknown>): string[] =>
  (JSON.parse(String(row.elements ?? '[]')) as Array<{ elementType: string; elementId: number }>).map((e) => `${e.elementType}:${e.elementId}`);

/** Core Script Management (port 8005): scripts, CRUD and search, synced by declaration. */
export const scripts = defineService({
  name: 'scripts',
  title: 'Core Script Management Service',
  description: 'Scripts of FountainAI stories (title, author, logline, sections, status), linked to the sequence service\'s elements.',
  config: serviceConfig({ name: 'scripts', port: 8005, collection: 'scripts', serviceName: 'core_script_management' }),
  migrations: join(dirname(fileURLToPath(import.meta.url)), 'migrations'),
  tables: (c) => [
    {
      table: 'scripts',
      collection: c.TYPESENSE_COLLECTION_NAME,
      fields: { status: { facet: true }, author: { facet: true }, elements: { exclude: true } },
      extraFields: [{ name: 'elementRefs', type: 'string[]', facet: true }],
      transform: (doc, row) => ({ ...doc, elementRefs: elementRefs(row) }),
    },
  ],
  routes: (app, { db, sync, config }) => {
    crudRoutes(app, db, { noun: 'script', plural: 'scripts', table: 'scripts', id: 'scriptId', body: ScriptBody, json: ['sections', 'elements'], filters: ['status', 'author'] });
    searchRoute(app, { backend: sync.backend, collection: config.TYPESENSE_COLLECTION_NAME, queryBy: 'title,logline,sections,author', summary: 'Search scripts' });
  },
});
