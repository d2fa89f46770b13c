/**
 * Entry for `node --test tests/server/`: Node 20 only picks up files named like
 * `*.test.mjs` from a directory, so this file loads the suite in selftest.mjs.
 */
import './selftest.mjs';
