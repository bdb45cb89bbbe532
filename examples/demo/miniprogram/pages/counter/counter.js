import { formatTime } from '../../utils/date.js';

Page({
  data: {
    count: 0,
    updatedAt: ''
  },

  increment() {
    this.setCount(this.data.count + 1);
  },

  decrement() {
    this.setCount(this.data.count - 1);
  },

  reset() {
    this.setCount(0);
  },

  // The Reset button asks first.
  onResetTap() {
    wx.showModal({
      title: 'Reset the counter?',
      content: 'The count goes back to 0.',
      success: (res) => {
        if (res.confirm) {
          this.reset();
        }
      }
    });
  },

  setCount(count) {
    this.setData({ count, updatedAt: formatTime(new Date()) });
    console.log('[cove-demo] count is now', count);
  }
});
