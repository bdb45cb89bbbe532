// Initial list items (WeChat can only require .js files, so data lives here).
module.exports = [
  { id: 1, text: 'Write a mini-program', done: true },
  { id: 2, text: 'Compile it with Cove', done: false },
  { id: 3, text: 'Run it in the simulator', done: false }
];
