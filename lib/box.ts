/** A face's box: x, y from the top left, in pixels of the photo it was found on. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Just the four numbers of a box (face-api's boxes carry methods and more fields). */
export const boxOf = ({ x, y, width, height }: Box): Box => ({ x, y, width, height });
