#!/usr/bin/env node
// Oracle for `cove-devtools render`: renders one template with WeChat's official wcc.
//
//   node corpus/render.js <projectRoot> <file.wxml relative to root> [--data data.json]
//
// Compiles every .wxml/.wxs of the project in one wcc run (same arguments as
// wcc-bench.js, so import/include/template across files resolve), evaluates the
// output in a fresh vm context whose `window` is its own global (as in a
// browser), and prints `$gwx(path)(data)` as JSON:
//   {"tag":"wx-page","children":[{"tag":"wx-view","attr":{...},"children":[...],"raw":{},"generics":{}}, "text", ...]}
'use strict'

const fs = require('fs')
const path = require('path')
const vm = require('vm')
const { spawnSync } = require('child_process')
const { compilerBinary, walk, componentArg, finalArgs, MAX_BUFFER } = require('./wcc-bench.js')

function fail(msg, code = 1) {
  process.stderr.write(msg + '\n')
  process.exit(code)
}

const argv = process.argv.slice(2)
let dataFile = null
const pos = []
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--data') dataFile = argv[++i]
  else pos.push(argv[i])
}
if (pos.length !== 2 || (argv.includes('--data') && !dataFile)) {
  fail('usage: node render.js <projectRoot> <file.wxml> [--data data.json]', 2)
}

const root = path.resolve(pos[0])
let file = pos[1].replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '')
if (!file.endsWith('.wxml')) file += '.wxml'
const dataText = dataFile ? fs.readFileSync(dataFile, 'utf8') : '{}'
JSON.parse(dataText) // fail early on bad JSON

const files = walk(root)
const wxml = files.filter((f) => f.endsWith('.wxml'))
if (!wxml.includes(file)) fail(`no such template under ${root}: ${file}`)
const wxs = files.filter((f) => f.endsWith('.wxs'))
const tmp = []
// Paths as WeChat DevTools passes them ("./a.wxml"), so that absolute `/x.wxml` imports resolve.
const dot = (f) => './' + f
const cc = componentArg(root, wxml)
  .split(' ')
  .map((w) => (w.endsWith('.wxml') ? dot(w) : w))
  .join(' ')
const { args } = finalArgs(['-d', '-cc', cc, ...wxml.map(dot), ...wxs.map(dot), '-gn', '$gwx'], false, tmp)
const r = spawnSync(compilerBinary('wcc'), args, { cwd: root, maxBuffer: MAX_BUFFER })
for (const f of tmp) fs.rmSync(path.dirname(f), { recursive: true, force: true })
if (r.error) fail(`wcc: ${r.error.message}`)
if (r.status !== 0) fail(`wcc exited ${r.status}: ${r.stderr.toString().trim()}`)

// Runtime warnings (e.g. "WXMLRT_$gwx: ... not found") go to stderr.
const warn = (...a) => process.stderr.write(a.map(String).join(' ') + '\n')
const ctx = vm.createContext({ console: { log: warn, warn, error: warn, info: warn } })
ctx.window = ctx
vm.runInContext(r.stdout.toString(), ctx, { filename: 'wcc-output.js' })
// Parse the data inside the context: the runtime checks `x.constructor === Object`.
const data = vm.runInContext('JSON.parse', ctx)(dataText)
const render = ctx.$gwx(dot(file))
if (typeof render !== 'function') fail(`$gwx returned no render function for ${file}`)
// Round-trip through JSON inside the context so the printed tree carries only
// what JSON can express (no cross-realm prototypes).
const tree = JSON.parse(vm.runInContext('JSON.stringify', ctx)(render(data)))
process.stdout.write(JSON.stringify(tree, null, 2) + '\n')
