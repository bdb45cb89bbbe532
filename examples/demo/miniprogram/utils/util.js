// CommonJS helpers for the list page.

function nextId(items) {
  return items.reduce((max, item) => Math.max(max, item.id), 0) + 1;
}

function createItem(id, text) {
  return { id, text, done: false };
}

function toggleById(items, id) {
  return items.map(item => (item.id === id ? Object.assign({}, item, { done: !item.done }) : item));
}

function findById(items, id) {
  return items.find(item => item.id === id) || null;
}

module.exports = {
  nextId,
  createItem,
  toggleById,
  findById
};
