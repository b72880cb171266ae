// Runs every workspace's `bench` script and prints one table of their results.
// A package's bench prints JSON rows: { package, name, value, unit, target? }.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const { workspaces } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const rows = [];
for (const workspace of workspaces) {
  const pkg = JSON.parse(readFileSync(new URL(`${workspace}/package.json`, root), 'utf8'));
  if (!pkg.scripts?.bench) continue;
  process.stderr.write(`benchmarking ${workspace}…\n`);
  const output = execFileSync('npm', ['run', '--silent', 'bench', '--workspace', workspace], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for (const line of output.split('\n')) {
    if (line.startsWith('{')) rows.push(JSON.parse(line));
  }
}

const format = (row) =>
  row.unit === 'ratio' || row.unit === 'ms' || row.unit === 's' ? row.value.toFixed(2) : Math.round(row.value).toLocaleString('en-US');
const table = [
  ['package', 'benchmark', 'result', 'unit', 'target'],
  ...rows.map((row) => [row.package, row.name, format(row), row.unit, row.target ?? '']),
];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
console.log(line(table[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table.slice(1)) console.log(line(row));
