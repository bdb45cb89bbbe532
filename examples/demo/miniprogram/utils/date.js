// ES module: imported with `import` syntax by the counter page.

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

export function formatTime(date) {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map(pad).join(':');
}

export function formatDate(date) {
  return [date.getFullYear(), date.getMonth() + 1, date.getDate()].map(pad).join('-');
}

export default {
  formatTime,
  formatDate
};
