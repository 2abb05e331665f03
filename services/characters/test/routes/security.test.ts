import { securitySuite } from '@fountain/service/test-support';
import { describe } from 'vitest';
import { characters } from '../../src/service.ts';
import { ROUTES } from './route-table.test-support.ts';

describe('characters: security', () => securitySuite(characters, ROUTES));
