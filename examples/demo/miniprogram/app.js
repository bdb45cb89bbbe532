const LAUNCH_KEY = 'cove-demo:launches';

App({
  globalData: {
    launchCount: 0,
    launchedAt: 0,
    scene: 0
  },

  onLaunch(options) {
    const launches = (wx.getStorageSync(LAUNCH_KEY) || 0) + 1;
    wx.setStorageSync(LAUNCH_KEY, launches);
    this.globalData.launchCount = launches;
    this.globalData.launchedAt = Date.now();
    console.log('[cove-demo] launch', options.path, 'count', launches);
  },

  onShow(options) {
    this.globalData.scene = options.scene;
  },

  onHide() {
    console.log('[cove-demo] hide');
  },

  onError(message) {
    console.error('[cove-demo] error', message);
  }
});
