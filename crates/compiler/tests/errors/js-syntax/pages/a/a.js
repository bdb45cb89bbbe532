Page({
  data: { a: 1 },
  onLoad() { let x = ; }
});
