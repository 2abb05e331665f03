import { runService } from '@fountain/service';
import { characters } from './service.ts';

await runService(characters);
