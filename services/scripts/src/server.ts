import { runService } from '@fountain/service';
import { scripts } from './service.ts';

await runService(scripts);
