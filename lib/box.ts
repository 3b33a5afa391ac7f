/** A face's box: x, y from the top left, in pixels of the photo it was found on. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
