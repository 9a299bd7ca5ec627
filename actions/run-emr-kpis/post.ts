import { cleanup } from './cleanup';
import { actionsCoreIo } from '../lib/io';

void cleanup(actionsCoreIo);
