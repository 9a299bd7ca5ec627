import { run } from './run';
import { actionsCoreIo } from '../lib/io';

void run(actionsCoreIo);
