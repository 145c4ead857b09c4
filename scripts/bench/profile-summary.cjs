// Sums V8 CPU profiles (node --cpu-prof, one file per thread) inside the window profile-starts.ts wrote:
// self time per function and per file or package, in ms per start.
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2] ?? '/tmp/prof';
const { from, to, n } = JSON.parse(fs.readFileSync(path.join(dir, 'window.json'), 'utf8'));
const top = Number(process.argv[3] ?? 40);
const byFn = new Map();
const byFile = new Map();
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
const where = (url) => {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0)
    return url
      .slice(nm + 13)
      .split('/')
      .slice(0, url.slice(nm + 13).startsWith('@') ? 2 : 1)
      .join('/');
  return url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const nodes = new Map(p.nodes.map((x) => [x.id, x]));
  let t = p.startTime;
  let threadMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    if (t < from || t > to) continue;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const node = nodes.get(p.samples[i]);
    const cf = node.callFrame;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') {
      add(byFile, cf.functionName, dt);
      continue;
    }
    threadMs += dt;
    add(byFn, `${cf.functionName || '(anon)'} ${where(cf.url)}:${cf.lineNumber + 1}`, dt);
    add(byFile, where(cf.url), dt);
  }
  console.log(`${f}: ${(threadMs / n).toFixed(2)} ms per start busy`);
}
const show = (title, m) => {
  console.log(`\n${title}`);
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, v]) => console.log(`${(v / n).toFixed(2).padStart(7)}  ${k}`));
};
show('by file/package (ms per start)', byFile);
show('by function (ms per start)', byFn);
