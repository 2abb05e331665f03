import { securitySuite } from '@fountain/service/test-support';
import { describe } from 'vitest';
import { scripts } from '../../src/service.ts';
import { ROUTES } from './route-table.test-support.ts';

describe('scripts: security', () => securitySuite(scripts, ROUTES));
