#!/usr/bin/env node
// Times WeChat's official WXML/WXSS compilers (wcc/wcsc, from the npm package
// `miniprogram-compiler`) on a whole mini-program project, the way WeChat
// DevTools compiles it: one wcc run for every .wxml (+ .wxs) file and one wcsc
// run for every .wxss file.
//
//   node corpus/wcc-bench.js <projectRoot> [--iterations N] [--config-path]
//
// Prints one line of JSON:
//   {"wxml_files":n,"wxss_files":m,"wcc_ms":[..],"wcsc_ms":[..],
//    "wcc_ok":bool,"wcsc_ok":bool,"errors":null|"first error text",
//    "wcc_out_bytes":n,"wcsc_out_bytes":n,"args_mode":"argv"|"config-path"}
//
// Each timing covers spawning the binary, compiling, and reading all of its
// stdout (what a user pays). Walking the tree and reading the .json files to
// build the argument list happen once, before timing.
//
// Command lines (cwd = projectRoot, all paths relative to it with '/'):
//   wcc  -d -cc "<K> <a.wxml> <n> <tag..> <b.wxml> ..." <all .wxml> <all .wxs> -gn $gwx
//   wcsc -db -pc <P> <P page/component/app .wxss> <other (imported-only) .wxss>
// When the argument list gets long (or with --config-path), the same
// arguments are written one per line to a file and passed as `--config-path FILE`.
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')

const MAX_BUFFER = 1 << 30
const ARGV_LIMIT = 100 * 1024 // Linux caps one argv string at 128 KiB.

function usage(msg) {
  if (msg) process.stderr.write(msg + '\n')
  process.stderr.write('usage: node wcc-bench.js <projectRoot> [--iterations N] [--config-path]\n')
  process.exit(2)
}

function parseArgs(argv) {
  const o = { root: null, iterations: 5, configPath: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--iterations' || a === '-n') o.iterations = Number(argv[++i])
    else if (a.startsWith('--iterations=')) o.iterations = Number(a.slice(13))
    else if (a === '--config-path') o.configPath = true
    else if (a === '-h' || a === '--help') usage()
    else if (!o.root) o.root = a
    else usage(`unexpected argument: ${a}`)
  }
  if (!o.root) usage()
  if (!Number.isInteger(o.iterations) || o.iterations < 1) usage('--iterations must be a positive integer')
  return o
}

/** Path of an official binary; npm installs them without the exec bit. */
function compilerBinary(name) {
  const dir = { linux: 'linux', darwin: 'mac', win32: 'windows' }[process.platform]
  if (!dir) throw new Error(`miniprogram-compiler ships no binary for ${process.platform}`)
  const pkg = path.dirname(require.resolve('miniprogram-compiler/package.json'))
  const bin = path.join(pkg, 'bin', dir, process.platform === 'win32' ? `${name}.exe` : name)
  try {
    fs.accessSync(bin, fs.constants.X_OK)
  } catch (_) {
    fs.chmodSync(bin, 0o755)
  }
  return bin
}

/** Relative '/'-separated paths of all files under root, skipping node_modules and .git. */
function walk(root) {
  const out = []
  const stack = ['']
  while (stack.length) {
    const rel = stack.pop()
    for (const ent of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${ent.name}` : ent.name
      if (ent.isDirectory()) {
        if (ent.name !== 'node_modules' && ent.name !== '.git') stack.push(r)
      } else if (ent.isFile()) {
        out.push(r)
      }
    }
  }
  return out.sort()
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (_) {
    return null
  }
}

/**
 * The -cc value: "<count> <file.wxml> <n> <tag1> .. <tagn> ...", one entry per
 * .wxml whose sibling .json declares usingComponents (as DevTools and the
 * miniprogram-compiler wrapper do). Global components from app.json are added
 * to every page/component.
 */
function componentArg(root, wxmlFiles) {
  const app = readJson(path.join(root, 'app.json'))
  const globalTags = Object.keys((app && app.usingComponents) || {})
  const parts = []
  let count = 0
  for (const f of wxmlFiles) {
    if (f === 'app.wxml') continue
    const json = readJson(path.join(root, f.slice(0, -5) + '.json'))
    if (!json) continue
    const tags = [...new Set([...globalTags, ...Object.keys(json.usingComponents || {})])]
    if (!tags.length) continue
    parts.push(f, String(tags.length), ...tags)
    count++
  }
  return [String(count), ...parts].join(' ')
}

/** Use argv when short enough, else `--config-path FILE` (one argument per line). */
function finalArgs(args, forceConfig, tmpFiles) {
  const size = args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0)
  const longest = args.reduce((n, a) => Math.max(n, Buffer.byteLength(a)), 0)
  if (!forceConfig && size < 1024 * 1024 && longest < ARGV_LIMIT) return { args, mode: 'argv' }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wcc-bench-')), 'args')
  fs.writeFileSync(file, args.join('\n') + '\n')
  tmpFiles.push(file)
  return { args: ['--config-path', file], mode: 'config-path' }
}

function run(bin, args, cwd) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(bin, args, { cwd, maxBuffer: MAX_BUFFER })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  // WCC_BENCH_DUMP=dir keeps the last output of each compiler for inspection.
  if (process.env.WCC_BENCH_DUMP && r.stdout) {
    fs.mkdirSync(process.env.WCC_BENCH_DUMP, { recursive: true })
    fs.writeFileSync(path.join(process.env.WCC_BENCH_DUMP, `${path.basename(bin)}.out`), r.stdout)
  }
  let error = null
  if (r.error) error = String(r.error.message || r.error)
  else if (r.status !== 0) {
    const err = r.stderr.toString().trim()
    error = `exit ${r.status === null ? r.signal : r.status}: ${err || '(no stderr)'}`
  }
  return { ms: Math.round(ms * 1000) / 1000, error, bytes: r.stdout ? r.stdout.length : 0 }
}

function main() {
  const opts = parseArgs(process.argv.slice(2))
  const root = path.resolve(opts.root)
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) usage(`not a directory: ${opts.root}`)
  const files = walk(root)
  const wxml = files.filter((f) => f.endsWith('.wxml'))
  const wxs = files.filter((f) => f.endsWith('.wxs'))
  const wxss = files.filter((f) => f.endsWith('.wxss'))

  // wcsc: page/component/app stylesheets (those with a sibling .json) are the
  // "-pc" roots and come first; the rest are only reachable through @import.
  const wxssRoots = []
  const wxssOthers = []
  for (const f of wxss) {
    const hasJson = fs.existsSync(path.join(root, f.slice(0, -5) + '.json'))
    ;(hasJson ? wxssRoots : wxssOthers).push(f)
  }

  const tmp = []
  const wcc = finalArgs(['-d', '-cc', componentArg(root, wxml), ...wxml, ...wxs, '-gn', '$gwx'], opts.configPath, tmp)
  const wcsc = finalArgs(['-db', '-pc', String(wxssRoots.length), ...wxssRoots, ...wxssOthers], opts.configPath, tmp)

  const result = {
    wxml_files: wxml.length,
    wxss_files: wxss.length,
    wcc_ms: [],
    wcsc_ms: [],
    wcc_ok: wxml.length > 0,
    wcsc_ok: wxss.length > 0,
    errors: null,
    wcc_out_bytes: 0,
    wcsc_out_bytes: 0,
    args_mode: wcc.mode === wcsc.mode ? wcc.mode : `wcc:${wcc.mode},wcsc:${wcsc.mode}`,
  }
  const noteError = (what, e) => {
    if (!result.errors) result.errors = `${what}: ${e.slice(0, 4000)}`
  }
  if (!wxml.length) noteError('wcc', 'no .wxml files found')
  if (!wxss.length) noteError('wcsc', 'no .wxss files found')

  try {
    const wccBin = wxml.length ? compilerBinary('wcc') : null
    const wcscBin = wxss.length ? compilerBinary('wcsc') : null
    for (let i = 0; i < opts.iterations; i++) {
      if (wccBin) {
        const r = run(wccBin, wcc.args, root)
        result.wcc_ms.push(r.ms)
        result.wcc_out_bytes = r.bytes
        if (r.error) {
          result.wcc_ok = false
          noteError('wcc', r.error)
        }
      }
      if (wcscBin) {
        const r = run(wcscBin, wcsc.args, root)
        result.wcsc_ms.push(r.ms)
        result.wcsc_out_bytes = r.bytes
        if (r.error) {
          result.wcsc_ok = false
          noteError('wcsc', r.error)
        }
      }
    }
  } catch (e) {
    result.wcc_ok = result.wcc_ok && result.wcc_ms.length > 0
    result.wcsc_ok = result.wcsc_ok && result.wcsc_ms.length > 0
    noteError('setup', String((e && e.message) || e))
  } finally {
    for (const f of tmp) fs.rmSync(path.dirname(f), { recursive: true, force: true })
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}

module.exports = { compilerBinary, walk, readJson, componentArg, finalArgs, MAX_BUFFER }

if (require.main === module) main()
