import { securitySuite } from '@fountain/service/test-support';
import { describe } from 'vitest';
import { scripts } from '../../src/service.ts';
import { ROUTES } from './helpers.ts';

describe('scripts: security', () => securitySuite(scripts, ROUTES));
