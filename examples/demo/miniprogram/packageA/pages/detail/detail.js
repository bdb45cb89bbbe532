Page({
  data: {
    id: '',
    title: '',
    params: []
  },

  // Query values arrive URL-encoded; decode them for display.
  onLoad(options) {
    const params = Object.keys(options).sort().map(key => ({
      key,
      value: decodeURIComponent(options[key])
    }));
    const title = options.title ? decodeURIComponent(options.title) : '';
    this.setData({ id: options.id || '', title, params });
    if (title) {
      wx.setNavigationBarTitle({ title });
    }
  },

  goBack() {
    wx.navigateBack({ delta: 1 });
  }
});
