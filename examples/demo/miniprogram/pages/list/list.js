const util = require('../../utils/util.js');
const seed = require('../../data/seed.js');

Page({
  data: {
    items: [],
    draft: '',
    remaining: 0,
    doneCount: 0,
    cardTaps: 0
  },

  onLoad() {
    this.refresh(seed.map(item => Object.assign({}, item)));
  },

  refresh(items) {
    const doneCount = items.filter(item => item.done).length;
    this.setData({ items, doneCount, remaining: items.length - doneCount });
  },

  // Tap on a row: toggle its done state.
  onToggle(e) {
    const id = e.currentTarget.dataset.id;
    this.refresh(util.toggleById(this.data.items, id));
  },

  // `draft` is kept in sync by model:value on the input.
  onAdd() {
    const text = (this.data.draft || '').trim();
    if (!text) {
      wx.showToast({ title: 'Type something first', icon: 'none' });
      return;
    }
    const items = this.data.items.concat(util.createItem(util.nextId(this.data.items), text));
    this.setData({ draft: '' });
    this.refresh(items);
  },

  // Tap on the summary card: clear completed items.
  onCardTap(e) {
    this.setData({ cardTaps: e.detail.taps });
    this.refresh(this.data.items.filter(item => !item.done));
  },

  // "Details" link inside a row (catchtap, so the row is not toggled).
  onOpen(e) {
    const item = util.findById(this.data.items, e.currentTarget.dataset.id);
    if (!item) {
      return;
    }
    wx.navigateTo({
      url: '/packageA/pages/detail/detail?id=' + item.id + '&title=' + encodeURIComponent(item.text) + '&from=list'
    });
  }
});
