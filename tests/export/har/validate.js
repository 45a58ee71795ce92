// Usage: node validate.js FILE.har  -> exit 0 when valid, 1 with the errors on stderr.
const fs = require('fs');
const validator = require('har-validator');
const har = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
validator.har(har).then(() => {
  console.log(`valid HAR: ${har.log.entries.length} entries`);
}).catch((e) => {
  console.error(JSON.stringify(e.errors || e.message, null, 2));
  process.exit(1);
});
