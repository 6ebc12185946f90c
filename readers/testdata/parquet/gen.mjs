// gen.mjs writes the DuckDB-made Parquet fixtures in this directory and
// expected.json, the values DuckDB reads back from them, converted to the
// text forms documented for the readers package. The tests need neither
// node nor DuckDB; rerun this only to change the fixtures:
//
//	mkdir -p /tmp/duckdb && cd /tmp/duckdb && npm install @duckdb/node-api
//	cp gen.mjs /tmp/duckdb/ && node /tmp/duckdb/gen.mjs "$PWD"   (from this directory)
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync, mkdirSync, readdirSync } from 'node:fs';

const out = process.argv[2];
if (!out) throw new Error('usage: node gen.mjs OUTDIR');
const inst = await DuckDBInstance.create(':memory:');
const c = await inst.connect();
await c.run(`SET threads=1`);
await c.run(`SET TimeZone='UTC'`);
await c.run(`CREATE TYPE mood AS ENUM ('happy', 'sad', 'ok')`);

// Twenty rows of every type DuckDB writes; nullable columns are NULL on
// every fifth row.
await c.run(`
CREATE TABLE t AS
SELECT
  i::INTEGER AS id,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (i * 37 % 256 - 128)::TINYINT END AS i8,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (i * 1000 - 10000)::SMALLINT END AS i16,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (i * 100000 - 7)::INTEGER END AS i32,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i = 0 THEN 9223372036854775807 WHEN i = 1 THEN -9223372036854775808 ELSE i::BIGINT * 1000000000000 END::BIGINT AS i64,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (i * 13 % 256)::UTINYINT END AS u8,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i = 0 THEN 18446744073709551615 ELSE i END::UBIGINT AS u64,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ([0.1, -1.5, 3.4028235e38, 1e-7, 0, 2.5, 100, 0.333])[i % 8 + 1]::FLOAT END AS f32,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ([0.1, 1.0/3, -2.5e-300, 1e21, 123456.789, 0, 1e20, 42])[i % 8 + 1]::DOUBLE END AS f64,
  CASE WHEN i % 5 = 4 THEN NULL ELSE i % 2 = 0 END AS flag,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (['hello', '', 'with "quotes", commas' || chr(10) || 'and a newline', 'unicode ✓ 日本語 🎉', 'zero', 'a\\b'])[i % 6 + 1] END AS s,
  (['red', 'green', 'blue'])[i % 3 + 1] AS cat,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i % 2 = 0 THEN '\\xDE\\xAD\\xBE\\xEF'::BLOB ELSE 'text blob'::BLOB END AS bin,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (i * 1.5 - 3)::DECIMAL(4,1) END AS dec4,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ([1.25, -0.05, 12345678.90, 0, 1.5])[i % 5 + 1]::DECIMAL(10,2) END AS dec10,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ('12345678901234567890.' || lpad((i::BIGINT * 123456789)::VARCHAR, 10, '0'))::DECIMAL(38,10) * (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) END AS dec38,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i = 0 THEN DATE '0001-01-01' WHEN i = 1 THEN DATE '1969-12-31' ELSE DATE '2024-01-01' + (i * 37)::INTEGER END AS d,
  CASE WHEN i % 5 = 4 THEN NULL ELSE TIMESTAMP '2024-01-01 12:34:56' + to_microseconds(i::BIGINT * 3600123456) END AS ts,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (TIMESTAMP '2024-02-29 00:00:00' + to_milliseconds(i * 1500))::TIMESTAMP_MS END AS ts_ms,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (TIMESTAMP_NS '1999-12-31 23:59:59.123456789')  END AS ts_ns,
  CASE WHEN i % 5 = 4 THEN NULL ELSE TIMESTAMPTZ '2024-06-01 08:00:00+00' + to_microseconds(i * 250000) END AS tstz,
  CASE WHEN i % 5 = 4 THEN NULL ELSE TIME '01:02:03' + to_microseconds(i * 500000) END AS tm,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ('0000000' || (i % 10)::VARCHAR || '-e29b-41d4-a716-446655440000')::UUID END AS u,
  CASE WHEN i % 5 = 4 THEN NULL ELSE (['happy', 'sad', 'ok'])[i % 3 + 1]::mood END AS mood,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ('{"k":[1,2],"n":' || i || '}')::JSON END AS j,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i % 4 = 0 THEN []::INTEGER[] WHEN i % 4 = 1 THEN [1, NULL, 3] ELSE [i] END AS lst,
  CASE WHEN i % 5 = 4 THEN NULL ELSE ['a', 'b"c', NULL, ''] END AS slst,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i % 3 = 0 THEN {'a': NULL, 'b': 'x'} ELSE {'a': i, 'b': 'row ' || i} END::STRUCT(a INTEGER, b VARCHAR) AS st,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i % 3 = 0 THEN MAP {}::MAP(VARCHAR, INTEGER) ELSE MAP {'k1': i, 'k2': NULL} END AS mp,
  CASE WHEN i % 5 = 4 THEN NULL ELSE MAP {i: 'v' || i, i + 1: 'w'} END AS mpi,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i % 2 = 0 THEN [{'x': [1, 2], 'y': {'z': 'deep', 'dd': DATE '2024-01-01'}}, {'x': [], 'y': NULL}] ELSE [{'x': NULL, 'y': {'z': NULL, 'dd': NULL}}] END AS deep,
  CASE WHEN i % 5 = 4 THEN NULL WHEN i % 2 = 0 THEN [[1, 2], [], NULL, [3]] ELSE [NULL::INTEGER[]] END AS ll,
  CASE WHEN i % 5 = 4 THEN NULL ELSE {'flag': i % 2 = 0, 'tags': ['t' || i], 'when': DATE '2024-03-01'} END AS mixed
FROM (SELECT range::INTEGER AS i FROM range(20)) r`);

// Three row groups of 8, 8 and 4 rows: DuckDB cuts a row group after each
// chunk, and each branch of the union is its own chunk.
const split = `SELECT * FROM t WHERE id < 8 UNION ALL SELECT * FROM t WHERE id >= 8 AND id < 16 UNION ALL SELECT * FROM t WHERE id >= 16`;
for (const codec of ['snappy', 'zstd', 'gzip']) {
  await c.run(`COPY (${split}) TO '${out}/types_${codec}.parquet' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 8)`);
}
// Part files of one data set, for directory and glob input.
mkdirSync(`${out}/parts`, { recursive: true });
await c.run(`COPY (SELECT id, s, lst FROM t WHERE id < 12) TO '${out}/parts/part-0.parquet' (FORMAT parquet, COMPRESSION zstd)`);
await c.run(`COPY (SELECT id, s, lst FROM t WHERE id >= 12) TO '${out}/parts/part-1.parquet' (FORMAT parquet, COMPRESSION zstd)`);

// expect returns the values DuckDB reads from file, converted to the text
// forms the readers package documents.
const ts = v => v.replace(' ', 'T').replace(/(\.\d*?)0+(?=$|\+)/, '$1').replace(/\.(?=$|\+)/, '');
const tz = v => ts(v).replace(/\+00$/, 'Z');
async function expect(path) {
  const file = `'${path}'`;
  const cols = (await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${file}))`)).getRowObjectsJson();
  const isFloat = t => t === 'FLOAT' || t === 'DOUBLE';
  const exprs = cols.map(({ column_name: n, column_type: t }) => {
    const q = `"${n}"`;
    if (isFloat(t)) return `${q}::DOUBLE AS ${q}`;
    if (t === 'BLOB') return `${q} AS ${q}`;
    if (/\[\]$|^STRUCT|^MAP/.test(t)) return `to_json(${q})::VARCHAR AS ${q}`;
    return `${q}::VARCHAR AS ${q}`;
  });
  const reader = await c.runAndReadAll(`SELECT ${exprs.join(', ')} FROM read_parquet(${file})`);
  const rows = reader.getRowObjects().map(row => {
    const o = {};
    for (const { column_name: n, column_type: t } of cols) {
      let v = row[n];
      if (v === null || v === undefined) { o[n] = null; continue; }
      if (t === 'BLOB') {
        const b = Buffer.from(v.bytes);
        try { v = new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { v = b.toString('base64'); }
      } else if (isFloat(t)) {
        v = String(v); // compared as numbers: FLOAT comes back widened to double
      } else if (/^TIMESTAMP WITH TIME ZONE|^TIME WITH/.test(t)) {
        v = tz(v);
      } else if (/^TIMESTAMP/.test(t)) {
        v = ts(v);
      } else if (t === 'TIME') {
        v = v.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
      }
      o[n] = String(v);
    }
    return o;
  });
  const types = Object.fromEntries(cols.map(({ column_name: n, column_type: t }) => [n, t]));
  return { columns: cols.map(c => c.column_name), duckdb_types: types, rows };
}
const save = (path, e) => writeFileSync(path, JSON.stringify(e, null, 1) + '\n');
save(`${out}/expected.json`, await expect(`${out}/types_zstd.parquet`));

// Files written by other tools (Impala, parquet-mr as Spark uses it,
// parquet-cpp as pyarrow uses it, parquet-rs), copied from
// apache/parquet-testing: the same comparison, one JSON file each.
for (const name of readdirSync(`${out}/foreign`).filter(n => n.endsWith('.parquet'))) {
  save(`${out}/foreign/${name.replace(/\.parquet$/, '.json')}`, await expect(`${out}/foreign/${name}`));
}
console.log('done');
