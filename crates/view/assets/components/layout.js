// View containers and navigation: scroll-view, swiper, swiper-item, movable-area,
// movable-view, cover-view, cover-image, navigator, page-container, root-portal.
// One module per component family under layout/.
import { scrollView } from './layout/scroll-view.js';
import { swiper, swiperItem } from './layout/swiper.js';
import { movableArea, movableView } from './layout/movable.js';
import { coverView, coverImage } from './layout/cover.js';
import { navigator } from './layout/navigator.js';
import { pageContainer, rootPortal } from './layout/page-container.js';

export default {
  'scroll-view': scrollView,
  swiper,
  'swiper-item': swiperItem,
  'movable-area': movableArea,
  'movable-view': movableView,
  'cover-view': coverView,
  'cover-image': coverImage,
  navigator,
  'page-container': pageContainer,
  'root-portal': rootPortal,
};
