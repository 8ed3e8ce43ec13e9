package dev.lipreg.data;

import dev.lipreg.tensor.io.MemoryBudget;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Reads IDX files as used by MNIST and Fashion-MNIST: unsigned-byte images (magic 0x00000803, three
 * big-endian dimensions) and labels (magic 0x00000801, one dimension). Files may be gzip-compressed,
 * detected by the magic bytes 1f 8b rather than by name.
 *
 * <p>The header must describe the data exactly: a shorter file is truncated, a longer one has
 * trailing garbage, and both are rejected with a {@link DatasetFormatException} naming the file, the
 * offset and what was expected.
 */
public final class IdxReader {
    /** The magic number of an IDX file of unsigned-byte images (type 0x08, 3 dimensions). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** The magic number of an IDX file of unsigned-byte labels (type 0x08, 1 dimension). */
    public static final int LABELS_MAGIC = 0x00000801;
    static final int IMAGES_HEADER = 16;
    static final int LABELS_HEADER = 8;

    private IdxReader() {}

    /**
     * Reads an image file into its raw unsigned bytes.
     *
     * @param file the IDX image file, gzip or not
     * @return its images
     */
    public static IdxImages readImages(Path file) {
        return DataIo.atEdge(file, () -> readImagesFile(file));
    }

    private static IdxImages readImagesFile(Path file) throws IOException {
        try (FileBytes.Content c = FileBytes.open(file)) {
            Header h = readImagesHeader(file, c, 1);
            return new IdxImages(h.count, h.rows, h.cols, readPayload(file, c, IMAGES_HEADER, h.pixels(), "pixel data", h.describe()));
        }
    }

    /**
     * Reads a label file; every label must be below {@code numClasses}.
     *
     * @param file       the IDX label file, gzip or not
     * @param numClasses the number of classes
     * @return the labels
     */
    public static int[] readLabels(Path file, int numClasses) {
        if (numClasses <= 0 || numClasses > 256) {
            throw new IllegalArgumentException("numClasses must be in 1..256 for unsigned-byte labels, got " + numClasses);
        }
        return DataIo.atEdge(file, () -> readLabelsFile(file, numClasses));
    }

    private static int[] readLabelsFile(Path file, int numClasses) throws IOException {
        try (FileBytes.Content c = FileBytes.open(file)) {
            byte[] head = c.read(LABELS_HEADER);
            checkMagic(file, head, LABELS_MAGIC, "IDX labels, unsigned byte, 1 dim");
            checkHeaderLength(file, head, LABELS_HEADER, "magic, label count");
            int count = dimension(file, head, 4, "label count", 1);
            checkDeclared(file, c, LABELS_HEADER, count, "label data", count + " labels");
            DataBudget.check(file, MemoryBudget.product(count, 1 + Integer.BYTES, 0), count + " labels");
            byte[] b = readPayload(file, c, LABELS_HEADER, count, "label data", count + " labels");
            return parseLabels(file, b, numClasses);
        }
    }

    /**
     * Reads a matching pair of image and label files into a single-channel dataset with pixels
     * scaled to [0,1]. The two files must hold the same number of items, at least one.
     *
     * @param images     the IDX image file
     * @param labels     the IDX label file
     * @param numClasses the number of classes
     * @param name       the dataset's name
     * @return the dataset
     */
    public static Dataset read(Path images, Path labels, int numClasses, String name) {
        Objects.requireNonNull(name, "name");
        int[] y = readLabels(labels, numClasses);
        return DataIo.atEdge(images, () -> readImagesFor(images, labels, y, numClasses, name));
    }

    private static Dataset readImagesFor(Path images, Path labels, int[] y, int numClasses, String name) throws IOException {
        try (FileBytes.Content c = FileBytes.open(images)) {
            // bytes as read plus their float copy
            Header h = readImagesHeader(images, c, 1 + Float.BYTES);
            if (h.count != y.length) {
                throw new DatasetFormatException(labels, 4, "label count " + y.length + ", expected " + h.count
                        + " to match the image count of " + images);
            }
            byte[] b = readPayload(images, c, IMAGES_HEADER, h.pixels(), "pixel data", h.describe());
            float[] x = new float[b.length];
            Pixels.toUnit(b, 0, x, 0, x.length, Pixels.unitTable());
            return Dataset.ofTrustedPixels(x, y, h.count, 1, h.rows, h.cols, numClasses, name);
        }
    }

    private record Header(int count, int rows, int cols) {
        long pixels() {
            return (long) count * rows * cols;
        }

        String describe() {
            return count + " images of " + rows + "x" + cols;
        }
    }

    /** The header, checked against the file length and the budget ({@code bytesPerPixel} of memory per pixel). */
    private static Header readImagesHeader(Path file, FileBytes.Content c, int bytesPerPixel) throws IOException {
        byte[] b = c.read(IMAGES_HEADER);
        checkMagic(file, b, IMAGES_MAGIC, "IDX images, unsigned byte, 3 dims");
        checkHeaderLength(file, b, IMAGES_HEADER, "magic, image count, rows, columns");
        Header h = new Header(dimension(file, b, 4, "image count", 1), dimension(file, b, 8, "rows", 1),
                dimension(file, b, 12, "columns", 1));
        checkDeclared(file, c, IMAGES_HEADER, h.pixels(), "pixel data", h.describe());
        DataBudget.check(file, MemoryBudget.product(h.pixels(), bytesPerPixel, 0), h.describe());
        return h;
    }

    /** Before allocating: the payload fits an array and, for an uncompressed file, matches its length. */
    private static void checkDeclared(Path file, FileBytes.Content c, int header, long payload, String what, String description)
            throws DatasetFormatException {
        if (payload > FileBytes.MAX_ARRAY - header) {
            throw new DatasetFormatException(file, header, description + " is " + payload
                    + " bytes of " + what + ", more than a Java array can hold");
        }
        if (!c.compressed()) checkDataLength(file, c.length(), header, payload, what, description);
    }

    /** Exactly {@code payload} bytes follow and nothing after them (checked for gzip content here, by reading). */
    private static byte[] readPayload(Path file, FileBytes.Content c, int header, long payload, String what, String description)
            throws IOException {
        byte[] b = c.read((int) payload);
        long trailing = b.length == payload ? c.drain() : 0;
        checkDataLength(file, header + b.length + trailing, header, payload, what, description);
        return b;
    }

    private static int[] parseLabels(Path file, byte[] b, int numClasses) throws DatasetFormatException {
        int[] labels = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            int v = b[i] & 0xFF;
            if (v >= numClasses) {
                throw new DatasetFormatException(file, LABELS_HEADER + i, "label " + v + " (item " + i
                        + ") out of range, expected 0.." + (numClasses - 1));
            }
            labels[i] = v;
        }
        return labels;
    }

    private static void checkMagic(Path file, byte[] b, int expected, String description)
            throws DatasetFormatException {
        if (b.length < 4) {
            throw new DatasetFormatException(file, b.length, "truncated header: file has " + b.length
                    + " bytes, expected a 4-byte magic 0x" + hex(expected) + " (" + description + ")");
        }
        int magic = readInt(b, 0);
        if (magic != expected) {
            throw new DatasetFormatException(file, 0, "bad magic 0x" + hex(magic) + ", expected 0x" + hex(expected)
                    + " (" + description + "); " + describeMagic(magic));
        }
    }

    /** What a wrong magic number actually says, to tell a wrong file from a damaged one. */
    private static String describeMagic(int magic) {
        if ((magic >>> 16) != 0) {
            return "not an IDX file (its first two bytes must be 0)";
        }
        int type = (magic >>> 8) & 0xFF;
        int dims = magic & 0xFF;
        String typeName = switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown type 0x" + Integer.toHexString(type);
        };
        return "found IDX " + typeName + " data with " + dims + (dims == 1 ? " dim" : " dims");
    }

    private static void checkHeaderLength(Path file, byte[] b, int header, String fields)
            throws DatasetFormatException {
        if (b.length < header) {
            throw new DatasetFormatException(file, b.length, "truncated header: file has " + b.length
                    + " bytes, expected a " + header + "-byte header (" + fields + ")");
        }
    }

    private static int dimension(Path file, byte[] b, int offset, String what, int min)
            throws DatasetFormatException {
        int v = readInt(b, offset);
        if (v < min) {
            String shown = v < 0 ? Integer.toUnsignedString(v) : Integer.toString(v);
            String limit = v < 0 ? "below 2^31" : ">= " + min;
            throw new DatasetFormatException(file, offset, what + " is " + shown + ", expected " + limit);
        }
        return v;
    }

    private static void checkDataLength(Path file, long actual, int header, long payload, String what,
            String description) throws DatasetFormatException {
        long expected = header + payload;
        if (actual < expected) {
            throw new DatasetFormatException(file, actual, "truncated " + what + ": expected " + payload
                    + " bytes after the " + header + "-byte header (" + description + ", " + expected
                    + " bytes in all), found " + (actual - header));
        }
        if (actual > expected) {
            throw new DatasetFormatException(file, expected, (actual - expected) + " trailing bytes after the "
                    + what + ", expected the data to end at offset " + expected + " (" + description + ")");
        }
    }

    private static int readInt(byte[] b, int offset) {
        return (b[offset] & 0xFF) << 24 | (b[offset + 1] & 0xFF) << 16 | (b[offset + 2] & 0xFF) << 8
                | (b[offset + 3] & 0xFF);
    }

    private static String hex(int v) {
        return String.format("%08X", v);
    }
}
