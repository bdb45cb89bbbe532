Component({
  options: {
    multipleSlots: true
  },

  externalClasses: ['card-class'],

  properties: {
    title: { type: String, value: 'Untitled' },
    count: { type: Number, value: 0 },
    done: { type: Boolean, value: false }
  },

  data: {
    attached: false,
    badge: '',
    taps: 0
  },

  observers: {
    'count, done': function (count, done) {
      this.setData({ badge: this.describe(count, done) });
    }
  },

  lifetimes: {
    attached() {
      this.setData({
        attached: true,
        badge: this.describe(this.data.count, this.data.done)
      });
    }
  },

  methods: {
    describe(count, done) {
      return done ? 'all done' : count + ' total';
    },

    onTap() {
      const taps = this.data.taps + 1;
      this.setData({ taps });
      this.triggerEvent('cardtap', { title: this.data.title, count: this.data.count, taps });
    }
  }
});
