//! Images: pixel buffers in CHW or HWC, grids of images, and PNG encoding.
