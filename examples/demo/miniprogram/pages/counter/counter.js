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

  setCount(count) {
    this.setData({ count, updatedAt: formatTime(new Date()) });
  }
});
