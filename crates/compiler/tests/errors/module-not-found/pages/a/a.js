const u = require('../../utils/nothere');
Page({});
