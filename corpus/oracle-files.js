#!/usr/bin/env node
// Per-file oracle for Cove's differential test (crates/compiler/tests/differential.rs):
// compiles every .wxml with WeChat's official wcc and every .wxss with wcsc, one run
// per file, and says which ones the official compilers accept.
//
//   node corpus/oracle-files.js <projectRoot> [--jobs N] [--cache DIR]
//
// Prints one JSON object, keyed by path relative to the root ('/'-separated):
//   {"pages/a/a.wxml": {"ok": true}, "app.wxss": {"ok": false, "error": "first line"}, ...}
//
// Files are found as wcc-bench.js finds them (node_modules and .git skipped,
// miniprogram_npm kept). Command lines (cwd = projectRoot, paths as WeChat DevTools
// passes them, "./a.wxml"):
//   wcc  -d -cc "<1 ./f.wxml n tag..>|0" ./f.wxml <the .wxs files it reaches> -gn $gwx
//   wcsc -db -pc <1|0> ./f.wxss <the .wxss files it @imports, transitively>
// wcc resolves `<wxs src>` and wcsc resolves `@import` only among the files on its command
// line, so each run gets the files its one file reaches (found with a scan of the sources;
// one that does not exist is left out, and the compiler then reports it as WeChat would).
// `import`/`include` targets are resolved at run time by wcc's output, so they are not
// needed. Runs go in parallel (default: twice the CPU count). With --cache, a verdict is
// kept under DIR, keyed by a hash of the compiler binary, the command line and the bytes of
// every file on it, so that a file compiles again only when something it depends on changed.
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const { execFile } = require('child_process')
const { compilerBinary, walk, readJson, MAX_BUFFER } = require('./wcc-bench.js')

function usage(msg) {
  if (msg) process.stderr.write(msg + '\n')
  process.stderr.write('usage: node oracle-files.js <projectRoot> [--jobs N] [--cache DIR]\n')
  process.exit(2)
}

const argv = process.argv.slice(2)
let jobs = Math.max(2, os.cpus().length * 2)
let cacheDir = null
const pos = []
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--jobs') jobs = Number(argv[++i])
  else if (argv[i] === '--cache') cacheDir = argv[++i]
  else if (argv[i] === '-h' || argv[i] === '--help') usage()
  else pos.push(argv[i])
}
if (pos.length !== 1 || !Number.isInteger(jobs) || jobs < 1 || (argv.includes('--cache') && !cacheDir)) usage()
const root = path.resolve(pos[0])
if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) usage(`not a directory: ${pos[0]}`)

const files = walk(root)
const exists = new Set(files)
const dot = (f) => './' + f

/** `spec` seen from `from` (both root-relative): `/x` from the root, else from `from`'s folder. */
function resolve(from, spec) {
  const joined = spec.startsWith('/') ? spec : path.posix.join(path.posix.dirname(from), spec)
  return path.posix.normalize(joined).replace(/^(\.\/|\/)+/, '')
}

function read(f) {
  try {
    return fs.readFileSync(path.join(root, f), 'utf8')
  } catch (_) {
    return ''
  }
}

/** Transitive closure of `deps` from `start`, keeping only files that exist; `start` excluded. */
function closure(start, deps) {
  const seen = new Set([start])
  const stack = [start]
  while (stack.length) {
    for (const d of deps(stack.pop())) {
      if (exists.has(d) && !seen.has(d)) {
        seen.add(d)
        stack.push(d)
      }
    }
  }
  seen.delete(start)
  return [...seen].sort()
}

const withExt = (f, ext) => (exists.has(f) || path.posix.extname(f) ? f : f + ext)

function wxsDeps(f) {
  const text = read(f)
  const specs = []
  if (f.endsWith('.wxml')) {
    for (const m of text.matchAll(/<wxs\b[^>]*?\bsrc\s*=\s*(["'])(.*?)\1/g)) specs.push(m[2])
  } else {
    for (const m of text.matchAll(/\brequire\s*\(\s*(["'])(.*?)\1\s*\)/g)) specs.push(m[2])
  }
  return specs.map((s) => withExt(resolve(f, s), '.wxs'))
}

function wxssDeps(f) {
  const text = read(f).replace(/\/\*[\s\S]*?\*\//g, '')
  const out = []
  for (const m of text.matchAll(/@import\s+(["'])(.*?)\1/g)) out.push(withExt(resolve(f, m[2]), '.wxss'))
  return out
}

/** The -cc value for one template: its declared components (app.json's global ones included). */
const app = readJson(path.join(root, 'app.json'))
const globalTags = Object.keys((app && app.usingComponents) || {})
function componentArg(f) {
  const json = f === 'app.wxml' ? null : readJson(path.join(root, f.slice(0, -5) + '.json'))
  if (!json) return '0'
  const tags = [...new Set([...globalTags, ...Object.keys(json.usingComponents || {})])]
  return tags.length ? ['1', dot(f), String(tags.length), ...tags].join(' ') : '0'
}

const wcc = compilerBinary('wcc')
const wcsc = compilerBinary('wcsc')
const tasks = []
for (const f of files) {
  if (f.endsWith('.wxml')) {
    const args = ['-d', '-cc', componentArg(f), dot(f), ...closure(f, wxsDeps).map(dot), '-gn', '$gwx']
    tasks.push({ file: f, bin: wcc, args })
  } else if (f.endsWith('.wxss')) {
    const page = exists.has(f.slice(0, -5) + '.json') ? '1' : '0'
    tasks.push({ file: f, bin: wcsc, args: ['-db', '-pc', page, dot(f), ...closure(f, wxssDeps).map(dot)] })
  }
}

const binHash = {}
for (const bin of [wcc, wcsc]) binHash[bin] = crypto.createHash('sha256').update(fs.readFileSync(bin)).digest('hex')

/** The cache key of a run: the binary, the command line, and the bytes of each file on it. */
function cacheKey(t) {
  const h = crypto.createHash('sha256').update(binHash[t.bin]).update('\0' + t.args.join('\0'))
  for (const a of t.args) {
    if (a.startsWith('./')) h.update('\0').update(fs.readFileSync(path.join(root, a)))
  }
  return h.digest('hex')
}

const result = {}
function runOne(t) {
  const cached = cacheDir && path.join(cacheDir, cacheKey(t) + '.json')
  if (cached && fs.existsSync(cached)) {
    try {
      result[t.file] = JSON.parse(fs.readFileSync(cached, 'utf8'))
      return Promise.resolve()
    } catch (_) {
      // A damaged entry is computed again.
    }
  }
  return new Promise((done) => {
    execFile(t.bin, t.args, { cwd: root, maxBuffer: MAX_BUFFER, encoding: 'buffer' }, (err, _stdout, stderr) => {
      if (!err) result[t.file] = { ok: true }
      else {
        const text = stderr.toString().trim() || String(err.message || err)
        const first = text.split('\n').find((l) => l.trim()) || `exit ${err.code}`
        result[t.file] = { ok: false, error: first.trim() }
      }
      if (cached) {
        const tmp = `${cached}.${process.pid}.tmp`
        fs.writeFileSync(tmp, JSON.stringify(result[t.file]))
        fs.renameSync(tmp, cached)
      }
      done()
    })
  })
}

async function main() {
  if (cacheDir) fs.mkdirSync(cacheDir, { recursive: true })
  let next = 0
  const worker = async () => {
    while (next < tasks.length) await runOne(tasks[next++])
  }
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker))
  const sorted = {}
  for (const k of Object.keys(result).sort()) sorted[k] = result[k]
  process.stdout.write(JSON.stringify(sorted) + '\n')
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + '\n')
  process.exit(1)
})
