// Counts rows with DuckDB, the independent engine the scan tests compare
// against. Usage: node count.js NODE_API_DIR REQUEST.json
// REQUEST: {"files": [parquet paths], "where": ["SQL", ...]}; prints a JSON
// array of counts, one per where clause ("" = no filter).
const path = require('path');
const fs = require('fs');
const { DuckDBInstance } = require(path.join(process.argv[2], 'node_modules', '@duckdb', 'node-api'));

async function main() {
  const req = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  const list = '[' + req.files.map((f) => "'" + f.replace(/'/g, "''") + "'").join(', ') + ']';
  const out = [];
  for (const w of req.where) {
    const sql = 'SELECT count(*) FROM read_parquet(' + list + ', union_by_name = true)' + (w ? ' WHERE ' + w : '');
    const r = await conn.runAndReadAll(sql);
    out.push(Number(r.getRows()[0][0]));
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
main().catch((e) => { process.stderr.write('duckdb: ' + e.message + '\n'); process.exit(1); });
