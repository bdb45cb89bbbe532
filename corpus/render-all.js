#!/usr/bin/env node
// Batch oracle for `cove-devtools render`: compiles a whole project ONCE with WeChat's official
// wcc and renders many templates with many data sets.
//
//   node corpus/render-all.js <miniprogramRoot> <cases.json | -> [--timeout-ms N]
//
// cases.json is a JSON array of {"file": "pages/a/a" (with or without .wxml), "data": {...}}.
// Prints one JSON line per case, in order:
//   {"i":0,"tree":{"tag":"wx-page","children":[...]}}   or   {"i":0,"error":"..."}
// plus, for a case whose render printed runtime warnings, "warnings":[...].
//
// wcc gets every .wxml and .wxs of the project (as WeChat DevTools passes them: paths relative
// to the root with a leading "./", so that absolute `/x.wxml` imports resolve) and the
// usingComponents of each template (-cc). Its output runs in one vm context whose `window` is
// its own global, as in a browser; each render has a time limit (default 5000 ms).
'use strict'

const fs = require('fs')
const path = require('path')
const vm = require('vm')
const { spawnSync } = require('child_process')
const { compilerBinary, walk, componentArg, finalArgs, MAX_BUFFER } = require('./wcc-bench.js')

let renderTimeoutMs = 5000

function fail(msg, code = 1) {
  process.stderr.write(msg + '\n')
  process.exit(code)
}

/** Compile `root` with wcc and return a vm context holding `$gwx`. */
function compileProject(root) {
  const files = walk(root)
  const wxml = files.filter((f) => f.endsWith('.wxml'))
  const wxs = files.filter((f) => f.endsWith('.wxs'))
  const dot = (f) => './' + f
  const cc = componentArg(root, wxml)
    .split(' ')
    .map((w) => (w.endsWith('.wxml') ? dot(w) : w))
    .join(' ')
  const tmp = []
  const { args } = finalArgs(['-d', '-cc', cc, ...wxml.map(dot), ...wxs.map(dot), '-gn', '$gwx'], false, tmp)
  const r = spawnSync(compilerBinary('wcc'), args, { cwd: root, maxBuffer: MAX_BUFFER })
  for (const f of tmp) fs.rmSync(path.dirname(f), { recursive: true, force: true })
  if (r.error) fail(`wcc: ${r.error.message}`)
  if (r.status !== 0) fail(`wcc exited ${r.status}: ${r.stderr.toString().trim()}`)
  let warnings = []
  const warn = (...a) => warnings.push(a.map(String).join(' '))
  const ctx = vm.createContext({ console: { log: warn, warn, error: warn, info: warn, debug: warn } })
  ctx.window = ctx
  vm.runInContext(r.stdout.toString(), ctx, { filename: 'wcc-output.js' })
  return {
    ctx,
    takeWarnings() {
      const w = warnings
      warnings = []
      return w
    },
  }
}

function main() {
  const argv = process.argv.slice(2)
  const t = argv.indexOf('--timeout-ms')
  if (t >= 0) {
    renderTimeoutMs = Number(argv[t + 1])
    argv.splice(t, 2)
    if (!(renderTimeoutMs > 0)) fail('--timeout-ms must be a positive number', 2)
  }
  if (argv.length !== 2) fail('usage: node render-all.js <miniprogramRoot> <cases.json | -> [--timeout-ms N]', 2)
  const root = path.resolve(argv[0])
  const cases = JSON.parse(fs.readFileSync(argv[1] === '-' ? 0 : argv[1], 'utf8'))
  if (!Array.isArray(cases)) fail('cases must be a JSON array')
  const { ctx, takeWarnings } = compileProject(root)
  // Data is parsed inside the context (the runtime checks `x.constructor === Object`), and the
  // tree leaves it through JSON, so only what JSON can express is printed.
  const parse = vm.runInContext('JSON.parse', ctx)
  const stringify = vm.runInContext('JSON.stringify', ctx)
  const out = []
  cases.forEach((c, i) => {
    const file = './' + (c.file.endsWith('.wxml') ? c.file : c.file + '.wxml')
    const line = { i }
    try {
      const render = ctx.$gwx(file)
      if (typeof render !== 'function') throw new Error(`$gwx returned no render function for ${file}`)
      ctx.__case = { render, data: parse(JSON.stringify(c.data || {})) }
      line.tree = JSON.parse(
        stringify(vm.runInContext('__case.render(__case.data)', ctx, { timeout: renderTimeoutMs })),
      )
    } catch (e) {
      line.error = String((e && e.message) || e)
    }
    const w = takeWarnings()
    if (w.length) line.warnings = w
    out.push(JSON.stringify(line))
  })
  process.stdout.write(out.join('\n') + (out.length ? '\n' : ''))
}

main()
