import { securitySuite } from '@fountain/service/test-support';
import { describe } from 'vitest';
import { characters } from '../../src/service.ts';
import { ROUTES } from './helpers.ts';

describe('characters: security', () => securitySuite(characters, ROUTES));
