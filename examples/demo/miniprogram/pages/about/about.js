const COLORS = ['Blue', 'Green', 'Orange'];

Page({
  data: {
    slides: [
      { title: 'Private deployment' },
      { title: 'Signed packages' },
      { title: 'WeChat compatible' }
    ],
    slide: 0,
    features: [
      'WXML and WXSS compilers',
      'Custom components',
      'WXS modules',
      'Templates and includes',
      'Subpackages',
      'Tab bar',
      'wx.* APIs',
      'Sandboxed storage'
    ],
    reachedEnd: false,
    colors: COLORS,
    colorIndex: 0,
    nickname: '',
    subscribe: true,
    result: '',
    launchCount: 0
  },

  onLoad() {
    this.setData({ launchCount: getApp().globalData.launchCount });
  },

  // A small bar chart on a 2D canvas, drawn at the device's pixel ratio.
  onReady() {
    wx.createSelectorQuery()
      .select('#chart')
      .fields({ node: true, size: true })
      .exec((res) => {
        const info = res[0];
        if (!info || !info.node) return;
        const canvas = info.node;
        const ctx = canvas.getContext('2d');
        const dpr = wx.getSystemInfoSync().pixelRatio;
        canvas.width = info.width * dpr;
        canvas.height = info.height * dpr;
        ctx.scale(dpr, dpr);
        ctx.fillStyle = '#1f6feb';
        [40, 70, 55, 90].forEach((h, i) => ctx.fillRect(10 + i * 45, info.height - h, 30, h));
      });
  },

  onPullDownRefresh() {
    this.setData({ slide: 0, reachedEnd: false });
    wx.stopPullDownRefresh();
  },

  onSlideChange(e) {
    this.setData({ slide: e.detail.current });
  },

  onFeaturesEnd() {
    this.setData({ reachedEnd: true });
  },

  onNicknameInput(e) {
    this.setData({ nickname: e.detail.value });
  },

  onColorChange(e) {
    this.setData({ colorIndex: Number(e.detail.value) });
  },

  onSubmit(e) {
    const value = e.detail.value;
    const color = COLORS[Number(value.color)] || '';
    this.setData({
      result: 'nickname=' + value.nickname + ' subscribe=' + value.subscribe + ' color=' + color
    });
    wx.showToast({ title: 'Saved', icon: 'success' });
  },

  onReset() {
    this.setData({ nickname: '', colorIndex: 0, result: '' });
  }
});
