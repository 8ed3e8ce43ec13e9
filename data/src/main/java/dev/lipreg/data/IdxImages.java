package dev.lipreg.data;

import java.util.Objects;

/**
 * The raw content of an IDX image file: {@code count} images of {@code rows x cols} unsigned bytes.
 *
 * @param count  the number of images
 * @param rows   the height of each image
 * @param cols   the width of each image
 * @param pixels the pixels, image by image, row by row
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {
    /** Checks that rows and cols are positive, count is not negative and {@code pixels} holds exactly count × rows × cols bytes. */
    public IdxImages {
        Objects.requireNonNull(pixels, "pixels");
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("expected count >= 0, rows > 0, cols > 0, got "
                    + count + ", " + rows + ", " + cols);
        }
        if (pixels.length != (long) count * rows * cols) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " bytes, expected count*rows*cols = "
                    + (long) count * rows * cols);
        }
    }

    /**
     * Pixel {@code (row, col)} of image {@code i}, 0..255.
     *
     * @param i   the image's index
     * @param row the pixel's row
     * @param col the pixel's column
     * @return the pixel's value
     */
    public int pixel(int i, int row, int col) {
        Objects.checkIndex(i, count);
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        return pixels[(i * rows + row) * cols + col] & 0xFF;
    }
}
