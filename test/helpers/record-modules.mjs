// Preloaded with `node --import` into a child process whose loaded modules a test inspects:
// registers the resolve/load hooks of record-modules-hooks.mjs, which append the URL of every
// module the process resolves or loads to the file named by OFELIA_TEST_MODULE_LOG (one a line).
// Plain JavaScript: it runs before tsx is registered.
import { register } from 'node:module';

const file = process.env.OFELIA_TEST_MODULE_LOG;
if (!file) throw new Error('record-modules.mjs: set OFELIA_TEST_MODULE_LOG to the file to write');
register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });
