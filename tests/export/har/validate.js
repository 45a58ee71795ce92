// Usage: node validate.js FILE.har  -> exit 0 when valid, 1 with the errors on stderr.
const fs = require('fs');
// Debian's node-har-validator and its dependencies (ajv, har-schema) live in /usr/share/nodejs,
// which only Debian's own node searches: add it for a node from elsewhere (nodesource).
const debianModules = '/usr/share/nodejs';
if (!(process.env.NODE_PATH || '').split(':').includes(debianModules)) {
  process.env.NODE_PATH = [debianModules, process.env.NODE_PATH].filter(Boolean).join(':');
  require('module').Module._initPaths();
}
const validator = require('har-validator');
const har = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
validator.har(har).then(() => {
  console.log(`valid HAR: ${har.log.entries.length} entries`);
}).catch((e) => {
  console.error(JSON.stringify(e.errors || e.message, null, 2));
  process.exit(1);
});
